// The Engine API service, where the engine's entry points (host, serve) and their tests find it;
// it lives in api/ beside its handlers.
export { EngineError } from './api/errors';
export { EngineService } from './api/service';
