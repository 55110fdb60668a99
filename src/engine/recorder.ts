// Moved to recording/recorder.ts; this path stays for existing imports.
export * from './recording/recorder';
