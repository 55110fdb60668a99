// One animation-frame scheduler for every hot view (charts, chart turns, legends, ladder, tape).
// Each view posts its latest redraw under a key (a newer post replaces an older one, so a key runs
// at most once a frame with its newest task); a frame runs the tasks posted before it began until
// its budget is spent and leaves the rest for the next frame, so bursts spread out instead of
// piling into one long frame. A task posted while a frame runs (a view taking turns) waits for the
// next frame.
//  A frame with tasks asks for the next one before running them, so that this scheduler's callback
// comes before those its tasks cause (a chart's library asks for its own frame when it is given a
// bar): next frame, the views write their text before the charts draw, and while a chart is drawing
// every frame a bar given to it is drawn in that same frame, not the one after (the library's frame,
// asked for earlier, already comes after this one). A frame that finds nothing to do asks for no more.

const BUDGET_MS = 4;
const queue = new Map<string, () => void>();
let raf = 0;

function run(): void {
  if (queue.size === 0) {
    raf = 0;
    return;
  }
  raf = requestAnimationFrame(run);
  const start = performance.now();
  for (const key of [...queue.keys()]) {
    const task = queue.get(key);
    if (!task) continue; // cancelled by an earlier task of this frame
    queue.delete(key);
    task();
    if (performance.now() - start > BUDGET_MS) break;
  }
}

export function onNextFrame(key: string, task: () => void): void {
  queue.set(key, task);
  raf ||= requestAnimationFrame(run);
}

export function cancelFrameTask(key: string): void {
  queue.delete(key);
}
