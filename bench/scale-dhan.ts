// The Dhan side of the scale bench: the engine pieces wired as the Dhan adapter and the Recorder
// wire them (instruments upserted in the journal, DhanFeed in full mode and DhanDepthFeed at 20
// levels → normaliser → pipeline → journal), against the replay process. The Recorder itself
// would first ask Dhan's REST API for a profile, the scrip master and token renewals; the replay
// speaks only the two feeds, so the pieces are put together here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DHAN_SEGMENTS } from '../src/engine/brokers/dhan/codec';
import { DhanDepthFeed, depthSnapshotOf } from '../src/engine/brokers/dhan/depth-feed';
import { DhanFeed } from '../src/engine/brokers/dhan/feed';
import { DhanNormalizer } from '../src/engine/brokers/dhan/normalize';
import { TickBus } from '../src/engine/pipeline/bus';
import { Pipeline } from '../src/engine/pipeline/pipeline';
import { Journal } from '../src/engine/store/journal';
import { dhanInstrument, dhanUniverse } from './replay-data';
import { ReplayLink } from './replay-link';
import type { EngineUnderTest } from './scale-engine';

/** Live-feed instruments (one socket holds 5,000) and the 20-level depth ones (5 sockets × 50). */
export const DHAN_INSTRUMENTS = 5000;
export const DHAN_DEPTH_INSTRUMENTS = 250;

export interface DhanEngine extends EngineUnderTest {
  close(): Promise<void>;
}

export async function startDhanEngine(): Promise<DhanEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-scale-dhan-'));
  const replay = ReplayLink.start();
  const { root } = await replay.call<{ root: string }>('dhan', { instruments: DHAN_INSTRUMENTS });
  const journal = new Journal(join(dir, 'journal.sqlite'), { flushMs: 100 });
  journal.beginRecording();
  const refs = dhanUniverse(DHAN_INSTRUMENTS);
  const ids = journal.upsertInstruments(refs.map(dhanInstrument));
  const key = (segment: string, securityId: number) => `${segment}:${securityId}`;
  const idOf = new Map(refs.map((r, k) => [key(r.segment, r.securityId), ids[k]]));
  const segName = (n: number) => DHAN_SEGMENTS[n] ?? String(n);
  const bus = new TickBus();
  const pipeline = new Pipeline(bus, {}, () => 0.05);
  bus.onAny((t) => journal.append(t));
  const normalizer = new DhanNormalizer();
  const common = { clientId: '1100000001', accessToken: 'bench-token', root, gaps: journal, silenceMs: 60_000 };
  const feed = new DhanFeed({
    ...common,
    tickSizeOf: () => 0.05,
    onPacket: (p, ts) => {
      const id = idOf.get(key(segName(p.segment), p.securityId));
      const t = id === undefined ? null : normalizer.toTick(p, id, ts);
      if (t) pipeline.ingest(t);
    },
  });
  const depthFeed = new DhanDepthFeed({
    ...common,
    levels: 20,
    onSide: (side, ts) => {
      const id = idOf.get(key(segName(side.segment), side.securityId));
      if (id !== undefined) journal.appendDepth(depthSnapshotOf(side, id, ts));
    },
  });
  const engine: DhanEngine = {
    replay,
    journal,
    replicator: null,
    async close() {
      feed.stop();
      depthFeed.stop();
      await replay.stop();
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    feed.subscribe(
      refs.map((r) => ({ securityId: r.securityId, segment: r.segment })),
      'full',
    );
    feed.start();
    depthFeed.subscribe(refs.slice(0, DHAN_DEPTH_INSTRUMENTS).map((r) => ({ securityId: r.securityId, segment: r.segment })));
    depthFeed.start();
    await replay.call('prepare', { expect: DHAN_INSTRUMENTS, expectDepth: DHAN_DEPTH_INSTRUMENTS, cycles: 6 });
  } catch (e) {
    await engine.close();
    throw e;
  }
  return engine;
}
