// The simulated template broker as a venue: one TemplateSimulator and a fresh access token, in the
// shapes the template adapter takes (brokers/_template/index.ts: TemplateRoots, TemplateCredentials).
import type { SimulatedVenue } from '../venue';
import { TemplateSimulator, type TemplateSimOptions } from './server';

export class TemplateVenue implements SimulatedVenue<{ ws: string; rest: string }, { accessToken: string }> {
  readonly simulator: TemplateSimulator;

  constructor(options: TemplateSimOptions) {
    this.simulator = new TemplateSimulator(options);
  }

  async start(): Promise<{ roots: { ws: string; rest: string }; credentials: { accessToken: string } }> {
    await this.simulator.start();
    const accessToken = this.simulator.grantAccessToken();
    return { roots: { ws: this.simulator.wsUrl, rest: this.simulator.restUrl }, credentials: { accessToken } };
  }

  stop(): Promise<void> {
    return this.simulator.stop();
  }
}
