// One animation-frame scheduler for every hot view (chart, ladder, tape). Each view posts its
// latest redraw under a key (a newer post replaces an older one); a frame runs tasks until its
// budget is spent and leaves the rest for the next frame, so bursts spread out instead of piling
// into one long frame.

const BUDGET_MS = 4;
const queue = new Map<string, () => void>();
let raf = 0;

function run(): void {
  raf = 0;
  const start = performance.now();
  for (const [key, task] of queue) {
    queue.delete(key);
    task();
    if (performance.now() - start > BUDGET_MS) break;
  }
  if (queue.size > 0) raf = requestAnimationFrame(run);
}

export function onNextFrame(key: string, task: () => void): void {
  queue.set(key, task);
  raf ||= requestAnimationFrame(run);
}

export function cancelFrameTask(key: string): void {
  queue.delete(key);
}
