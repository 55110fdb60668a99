// A simulated venue: one broker's simulated servers, started together in place of the broker. It
// answers where to connect (roots) and as whom (credentials), in the shapes that broker's clients
// take, so whatever runs against a venue (the recorder, the CLI, tests) needs no other knowledge
// of the simulator behind it. One per broker, in sim/<broker>/venue.ts.
export interface SimulatedVenue<Roots, Credentials> {
  start(): Promise<{ roots: Roots; credentials: Credentials }>;
  stop(): Promise<void>;
}
