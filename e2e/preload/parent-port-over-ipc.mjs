// Test preload (`node --import`), never loaded by the product: stands in for Electron's
// utilityProcess `parentPort` over Node's IPC channel, so src/engine/host.ts runs as a plain child
// process of a test (spawned with an 'ipc' stdio slot).
/* global process */
process.parentPort = {
  on: (event, fn) => {
    if (event === 'message') process.on('message', (data) => fn({ data, ports: [] }));
  },
  postMessage: (msg) => process.send?.(msg),
};
