// A decoded packet → the shared Tick (the adapter's "normalize" step): map every field your broker
// sends that Tick has a place for; leave out what it does not send.
import type { Tick } from '../../../shared/model';
import type { TemplatePacket } from './codec';

export function templatePacketToTick(p: TemplatePacket, instrumentId: number, tsReceived: number): Tick {
  return { instrumentId, tsExchange: p.tsExchange || tsReceived, tsReceived, ltp: p.ltp, ltq: p.ltq, volume: p.volume };
}
