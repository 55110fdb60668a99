// Types of desktop-common.mjs, for the TypeScript test of the skip logic (e2e/desktop/skip.test.ts).
export type ElectronStatus = { ok: true; path: string } | { ok: false; reason: string };
export interface DesktopMachine {
  electron: ElectronStatus;
  platform: string;
  display: boolean;
  xvfbRun: boolean;
}
export type DesktopPlan = { skip: string; run?: undefined; xvfb?: undefined } | { skip?: undefined; run: true; xvfb: boolean };
export function onPath(cmd: string): boolean;
export function desktopMachine(o?: { env?: Record<string, string | undefined>; platform?: string; electron?: () => ElectronStatus; probe?: (cmd: string) => boolean }): DesktopMachine;
export function desktopPlan(m: DesktopMachine): DesktopPlan;
export function skipLine(command: string, reason: string): string;
export function downloadFailure(output: string): string | null;
export const XVFB_ARGS: string[];
export function runPlanned(plan: DesktopPlan, cmd: string, args: string[], opts?: object): number;
