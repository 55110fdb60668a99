// Panel sizes the user dragged, remembered in localStorage (null: follow the window's default).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';

export interface LayoutState {
  watchWidth: number | null;
  rightWidth: number | null;
  /** The ladder's share of the right column's height (the tape has the rest). */
  ladderShare: number;
  setWatchWidth(px: number | null): void;
  setRightWidth(px: number | null): void;
  setLadderShare(share: number): void;
}

export const useLayout = create<LayoutState>()(
  persist(
    (set) => ({
      watchWidth: null,
      rightWidth: null,
      ladderShare: 0.6,
      setWatchWidth: (watchWidth) => set({ watchWidth }),
      setRightWidth: (rightWidth) => set({ rightWidth }),
      setLadderShare: (ladderShare) => set({ ladderShare }),
    }),
    { name: 'tickdesk.panels.v1' },
  ),
);
