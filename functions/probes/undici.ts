/// <reference path="./undici-parts.d.ts" />
/**
 * The parts of undici the HTTP probe uses, each imported from its own file. undici's index loads all of undici
 * (fetch, WebSocket, EventSource, the caches, the mock agent) before the first request: about 40 ms of every
 * `check` and every cold start, for nothing the probe runs. undici has no exports map, so these paths are public;
 * the test of the probe runs them, and the types are undici's own.
 */
import type { Dispatcher } from 'undici';
import request from 'undici/lib/api/api-request.js';
import errors from 'undici/lib/core/errors.js';
import Client from 'undici/lib/dispatcher/client.js';

export type { buildConnector } from 'undici';
export { Client, errors };

/** `client.request(options)`: undici's index adds the request API to every dispatcher; here it is called. */
export const requestOn = (
  client: Dispatcher,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> => request.call(client, options);
