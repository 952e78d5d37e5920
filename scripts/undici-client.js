// What the bundles take from undici: the Client and the error classes, from undici's own files. Its index also
// loads fetch, WebSocket, caches and more, which every process start would pay for (a few hundredths of a second
// and a dozen MiB) without using them. scripts/dist.ts points `undici` here, in the bundles only.
import errors from 'undici/lib/core/errors.js';
import Client from 'undici/lib/dispatcher/client.js';

export { Client, errors };
