// The one error an Engine API handler throws on purpose: the bridge answers it with its code and
// message (redacted); anything else it answers as 'internal'.
export class EngineError extends Error {
  constructor(
    readonly code: 'bad-request' | 'internal',
    message: string,
  ) {
    super(message);
  }
}
