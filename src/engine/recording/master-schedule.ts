// The instrument master while recording: today's list unless it is in (a failure is a notice, the
// previous list serves), then again every day at 08:30 IST, before the pre-open.
import { msUntilIst } from '../instruments/master';
import type { Journal } from '../store/journal';

export class MasterSchedule {
  private timer: NodeJS.Timeout | null = null;

  /** `refresh(force)` downloads the broker's list (forced: even if today's is in); throws on failure. */
  constructor(
    private readonly broker: string,
    private readonly journal: Journal,
    readonly refresh: (force: boolean) => Promise<void>,
    private readonly notice: (text: string) => void,
  ) {}

  /** Today's list unless it is in; a failure is a notice (the previous list serves). */
  async refreshOrSay(): Promise<void> {
    try {
      await this.refresh(false);
    } catch (e) {
      const have = this.journal.masterImport(this.broker);
      this.notice(`${this.broker} instruments not refreshed (${(e as Error).message})${have ? `; using the ones from ${have.istDay}` : ''}`);
    }
  }

  /** Every day at 08:30 IST from now on. */
  start(): void {
    const arm = () => {
      this.timer = setTimeout(() => {
        void this.refreshOrSay();
        arm();
      }, msUntilIst(8, 30));
      this.timer.unref?.();
    };
    arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
