// Types for the undici files the probe imports one by one (see ./undici.ts): each is the public class or
// function of the same name in undici's own types.
declare module 'undici/lib/dispatcher/client.js' {
  const Client: typeof import('undici').Client;
  export = Client;
}
declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';

  function request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  export = request;
}
declare module 'undici/lib/core/errors.js' {
  const errors: typeof import('undici').errors;
  export = errors;
}
