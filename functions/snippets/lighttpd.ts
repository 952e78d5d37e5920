/**
 * The lighttpd configuration of a target's download stack with mod_proxy and X-Sendfile, derived from the target
 * alone: the part a user includes in lighttpd.conf (`lighttpdSnippet`: one condition per route), and a whole
 * lighttpd.conf for an unprivileged lighttpd run in the foreground from a directory of its own
 * (`lighttpdMainConfig`, used by the sandbox). Pure: no I/O. The sandbox's lighttpd faults change this
 * generator's inputs, so the configuration under test is its output.
 *
 * lighttpd acts on the backend's `X-Sendfile` (and `X-LIGHTTPD-send-file`) when the backend has
 * `"allow-x-send-file" => "enable"`, only for files under `x-sendfile-docroot` (others get 403), and it
 * URL-decodes the header's path first. It removes the header from the response.
 */

import type { Target } from '../config/schema.ts';
import { SnippetError } from './errors.ts';
import { doubleQuoted as quote } from './quote.ts';
import { asStack, type StackTarget } from './stack.ts';

export interface LighttpdSnippetOptions {
  /** Send the download route to this port instead of the app URL's (the sandbox's unreachable-app fault). */
  readonly appPortOverride?: number;
  /** Host header sent to the app instead of the client's (the sandbox's refused-Host fault). */
  readonly appHostOverride?: string;
  /** `"allow-x-send-file" => "disable"`: lighttpd then drops the header and sends the app's empty body. */
  readonly xsendfileOff?: boolean;
  /** Directory of `x-sendfile-docroot` instead of the one the offload value names (paths outside get 403). */
  readonly xsendfilePathOverride?: string;
  /** `server.range-requests = "disable"` on the download route: whole files only. */
  readonly disableRanges?: boolean;
  /** Remove the app's Content-Disposition from the download (a header rule that strips too much). */
  readonly dropDisposition?: boolean;
  /** Add a second Content-Disposition to downloads (`setenv.add-response-header`). */
  readonly extraDisposition?: string;
  /** mod_deflate on the download route (lighttpd-mod-deflate): downloads then come compressed. */
  readonly compressDownloads?: boolean;
}

export interface LighttpdMainConfigOptions {
  /** Absolute directory the logs, the pid file, the upload dir and an empty document root live in. */
  readonly prefix: string;
}

/** The modules the snippet uses, in the order lighttpd wants them (mod_setenv before mod_proxy). */
export const LIGHTTPD_MODULES = ['mod_access', 'mod_alias', 'mod_setenv', 'mod_proxy'] as const;

/** What the snippet needs of each target: its file on disk and the directory its app's header names. */
function diskTarget(target: StackTarget): { path: string; sendfileDir: string } {
  const storage = target.storage;
  if (storage.type !== 'filesystem') {
    throw new SnippetError(
      `storage.type is "${storage.type}"; lighttpd's X-Sendfile serves files from disk only (storage.type "filesystem")`,
    );
  }
  const { header, value } = target.app.offload;
  if (header !== 'X-Sendfile' && header !== 'X-Lighttpd-Send-File') {
    throw new SnippetError(
      `app.offload.header is "${header}"; lighttpd acts on X-Sendfile (or X-Lighttpd-Send-File) only`,
    );
  }
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw new SnippetError(
      'app.offload.value must be the absolute path the app sends (not a pattern): x-sendfile-docroot is derived from it',
    );
  }
  return { path: storage.path, sendfileDir: `${value.slice(0, value.lastIndexOf('/'))}/` };
}

/**
 * One `$HTTP["url"] == ...` condition per route of a target, or of a stack (a target and its extra sentinels,
 * the written target first): the download routes go to the app through mod_proxy with X-Sendfile allowed, the
 * proxy-check routes serve the sentinel straight from disk.
 */
export function lighttpdSnippet(
  stack: Target | readonly Target[],
  options: LighttpdSnippetOptions = {},
): string {
  const targets = asStack(stack);
  const [target] = targets;
  if (!target) throw new SnippetError('no target to configure');
  const disks = targets.map(diskTarget);
  const docroots = options.xsendfilePathOverride
    ? [options.xsendfilePathOverride]
    : [...new Set(disks.map((d) => d.sendfileDir))];

  const downloadRoute = (t: StackTarget) => {
    const app = new URL(t.app.url);
    if (app.protocol !== 'http:') {
      throw new SnippetError(`app.url "${t.app.url}": lighttpd's mod_proxy speaks plain HTTP to the app`);
    }
    const path = new URL(t.endToEnd.url).pathname;
    const backend = [
      `"host" => ${quote(app.hostname)}`,
      `"port" => ${options.appPortOverride ?? (app.port || '80')}`,
      `"allow-x-send-file" => "${options.xsendfileOff ? 'disable' : 'enable'}"`,
      `"x-sendfile-docroot" => (${docroots.map(quote).join(', ')})`,
    ];
    return block(`$HTTP["url"] == ${quote(path)}`, [
      // lighttpd passes the client's Host on as it is: the app checks it (Django's ALLOWED_HOSTS).
      `proxy.server = ("" => ((${backend.join(', ')})))`,
      ...(app.pathname === path
        ? []
        : [`proxy.header = ("map-urlpath" => (${quote(path)} => ${quote(app.pathname)}))`]),
      ...(options.appHostOverride
        ? [`setenv.set-request-header = ("Host" => ${quote(options.appHostOverride)})`]
        : []),
      ...(options.disableRanges ? ['server.range-requests = "disable"'] : []),
      ...(options.dropDisposition ? ['setenv.set-response-header = ("Content-Disposition" => "")'] : []),
      ...(options.extraDisposition
        ? [`setenv.add-response-header = ("Content-Disposition" => ${quote(options.extraDisposition)})`]
        : []),
      ...(options.compressDownloads
        ? [
            'deflate.mimetypes = ("text/")',
            'deflate.allowed-encodings = ("gzip")',
            'deflate.min-compress-size = 1',
          ]
        : []),
    ]);
  };
  const proxyRoute = (t: StackTarget, i: number) => {
    const path = new URL(t.proxy.url).pathname;
    return block(`$HTTP["url"] == ${quote(path)}`, [
      `alias.url = (${quote(path)} => ${quote(disks[i]?.path ?? diskTarget(t).path)})`,
    ]);
  };

  const names = targets.map((t) => `"${t.name}"`).join(', ');
  return [
    `# Generated by download-doctor for target${targets.length > 1 ? 's' : ''} ${names}.`,
    `# Needs: server.modules += (${LIGHTTPD_MODULES.map((m) => `"${m}"`).join(', ')})`,
    ...(options.compressDownloads ? ['server.modules += ("mod_deflate")'] : []),
    '',
    '# End to end: the healthcheck route goes to the app, which answers with X-Sendfile and no body;',
    '# lighttpd then sends the file, if it is under x-sendfile-docroot (403 otherwise).',
    ...targets.map(downloadRoute),
    '',
    '# Proxy check: the sentinel straight from storage, without the app.',
    ...targets.map(proxyRoute),
    '',
  ].join('\n');
}

/**
 * A whole lighttpd.conf around a snippet, for a lighttpd run unprivileged in the foreground:
 * `lighttpd -D -f FILE`. SIGUSR1 restarts it gracefully in the same process, with the configuration read anew.
 * There is no `server.username`: it only applies when lighttpd starts as root.
 */
export function lighttpdMainConfig(
  snippet: string,
  listen: string,
  options: LighttpdMainConfigOptions,
): string {
  const p = options.prefix.replace(/\/+$/, '');
  const port = /:(\d+)$/.exec(listen)?.[1];
  if (!port) throw new SnippetError(`listen "${listen}" must be ADDRESS:PORT`);
  const address = listen.slice(0, listen.length - port.length - 1);
  return [
    '# Generated by download-doctor: an unprivileged lighttpd, run in the foreground from its own directory.',
    `server.modules = (${[...LIGHTTPD_MODULES, 'mod_accesslog'].map((m) => `"${m}"`).join(', ')})`,
    `server.bind = ${quote(address)}`,
    `server.port = ${port}`,
    // Nothing is served from a document root: the routes below are the only ones.
    `server.document-root = ${quote(`${p}/empty`)}`,
    `server.pid-file = ${quote(`${p}/lighttpd.pid`)}`,
    `server.errorlog = ${quote(`${p}/error.log`)}`,
    `server.upload-dirs = (${quote(`${p}/upload`)})`,
    `accesslog.filename = ${quote(`${p}/access.log`)}`,
    'accesslog.format = "%h \\"%r\\" %>s %b"',
    // One request per connection, as with nginx and Apache: a reload then never races a reused connection.
    'server.max-keep-alive-requests = 0',
    // No stat cache: lighttpd would keep serving a file it has open (and its old metadata) for a while after
    // it changed, so a changed file would show late. A production server keeps its cache.
    'server.stat-cache-engine = "disable"',
    'mimetype.assign = (".txt" => "text/plain; charset=utf-8", "" => "application/octet-stream")',
    '',
    ...snippet.trimEnd().split('\n'),
    '',
  ].join('\n');
}

function block(head: string, body: readonly string[]): string {
  return [`${head} {`, ...body.map((line) => `    ${line}`), '}'].join('\n');
}
