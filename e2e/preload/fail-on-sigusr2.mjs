// Test preload (`node --import`), never loaded by the product: on SIGUSR2 the process hits an error
// that nothing catches, from a timer as a bug would — an exception, or with
// TICKDESK_TEST_FAILURE=reject an unhandled promise rejection. Drives the last-resort handler's tests.
/* global process, setTimeout */
process.on('SIGUSR2', () => {
  setTimeout(() => {
    if (process.env.TICKDESK_TEST_FAILURE === 'reject') void Promise.reject(new Error('injected failure (rejection)'));
    else throw new Error('injected failure (exception)');
  });
});
