// One animation-frame scheduler for every hot view (charts, chart turns, legends, ladder, tape).
// Each view posts its latest redraw under a key (a newer post replaces an older one, so a key runs
// at most once a frame with its newest task); a frame runs the tasks posted before it began until
// its budget is spent and leaves the rest for the next frame, so bursts spread out instead of
// piling into one long frame. A task posted while a frame runs (a view taking turns) waits for the
// next frame.
//  A frame with tasks asks for the next one before running them, so that this scheduler's callback
// comes before those its tasks cause (a chart's library asks for its own frame when it is given a
// bar, and draws in it: the frame after). A frame that finds nothing to do asks for no more.
//  Paced redraws take turns (takeTurn, below): one a frame, placed between the engine's messages.

const BUDGET_MS = 4;
const queue = new Map<string, () => void>();
let raf = 0;
/** When this frame's run began, and the previous one's (performance.now()). */
let frameAt = -Infinity;
let previousFrameAt = -Infinity;
/** When the engine's latest message was handled. */
let messageAt = -Infinity;

function run(): void {
  previousFrameAt = frameAt;
  frameAt = performance.now();
  if (queue.size === 0) {
    raf = 0;
    return;
  }
  raf = requestAnimationFrame(run);
  const start = frameAt;
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

/** The engine link calls this for each message it handles (turns below prefer the frames that carry one). */
export function noteMessage(): void {
  messageAt = performance.now();
}

/**
 * Turns: paced redraws (a chart's live bars, chart-view.ts) run one a frame, in the order they
 * were asked for, each in a frame that carries an engine message's work (one was handled since the
 * previous frame) or after waiting one frame for it. A chart library draws what it is given in
 * the next frame, and the bridge sends a message about every other frame (33 ms): a redraw given
 * with a message's work is drawn in the quiet frame after it, instead of on top of the next
 * message's, which is what made the page's heaviest frames (the UI bench, part A).
 */
const turns: Array<() => void> = [];
const TURN_KEY = 'turn';
let waited = false;

export function takeTurn(task: () => void): void {
  if (!turns.includes(task)) turns.push(task);
  onNextFrame(TURN_KEY, nextTurn);
}

export function dropTurn(task: () => void): void {
  const at = turns.indexOf(task);
  if (at >= 0) turns.splice(at, 1);
}

function nextTurn(): void {
  if (!turns.length) {
    waited = false; // the turns it waited for were dropped: the next one starts afresh
    return;
  }
  if (messageAt <= previousFrameAt && !waited) {
    waited = true;
    onNextFrame(TURN_KEY, nextTurn);
    return;
  }
  waited = false;
  turns.shift()!();
  if (turns.length) onNextFrame(TURN_KEY, nextTurn);
}
