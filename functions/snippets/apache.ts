/**
 * The Apache configuration of a target's download stack with mod_xsendfile, derived from the target alone: the
 * part a user pastes (`apacheSnippet`, a VirtualHost), and a whole httpd.conf for an unprivileged Apache run in
 * the foreground from a directory of its own (`apacheMainConfig`, used by the sandbox). Pure: no I/O. The
 * sandbox's Apache faults change this generator's inputs, so the configuration under test is its output.
 */

import type { Target } from '../config/schema.ts';
import { SnippetError } from './errors.ts';
import { doubleQuoted as quote } from './quote.ts';
import { asStack, type StackTarget } from './stack.ts';

export interface ApacheSnippetOptions {
  /** Send the download route to this port instead of the app URL's (the sandbox's unreachable-app fault). */
  readonly appPortOverride?: number;
  /** Host header sent to the app instead of the client's (the sandbox's refused-Host fault). */
  readonly appHostOverride?: string;
  /** Leave out `XSendFile On`: the header then leaks to the client with an empty body. */
  readonly xsendfileOff?: boolean;
  /** Leave out `XSendFilePath`: mod_xsendfile then refuses every file outside the document root (404). */
  readonly omitXSendFilePath?: boolean;
  /** Directory of `XSendFilePath` instead of the one the offload value names (a path that misses the app's). */
  readonly xsendfilePathOverride?: string;
  /** `MaxRanges none` on the download route: Apache ignores Range and sends whole files. */
  readonly disableRanges?: boolean;
  /** Remove the app's Content-Disposition from the download (a header rule that strips too much). */
  readonly dropDisposition?: boolean;
  /** Add a second Content-Disposition to downloads (`Header add`: a rule meant to force attachments). */
  readonly extraDisposition?: string;
}

export interface ApacheMainConfigOptions {
  /** Absolute directory the pid file, logs and mutexes live in (Apache's ServerRoot). */
  readonly prefix: string;
  /** Where Debian keeps the modules. @default /usr/lib/apache2/modules */
  readonly modulesDir?: string;
}

/** The modules the snippet and the main config use. */
const MODULES = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['alias_module', 'mod_alias.so'],
  ['mime_module', 'mod_mime.so'],
  ['headers_module', 'mod_headers.so'],
  ['proxy_module', 'mod_proxy.so'],
  ['proxy_http_module', 'mod_proxy_http.so'],
  ['xsendfile_module', 'mod_xsendfile.so'],
] as const;

/** What the snippet needs of each target: its files on disk and the path its app sends. */
function diskTarget(target: StackTarget): { file: string; fileDir: string; sendfileDir: string } {
  const storage = target.storage;
  if (storage.type !== 'filesystem') {
    throw new SnippetError(
      `storage.type is "${storage.type}"; mod_xsendfile serves files from disk only (storage.type "filesystem")`,
    );
  }
  const { header, value } = target.app.offload;
  if (header !== 'X-Sendfile') {
    throw new SnippetError(`app.offload.header is "${header}"; mod_xsendfile acts on X-Sendfile only`);
  }
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw new SnippetError(
      'app.offload.value must be the absolute path the app sends (not a pattern): XSendFilePath is derived from it',
    );
  }
  // django-downloadview sends the path percent-encoded (from the file's URL), and mod_xsendfile (0.12) looks for
  // it literally: a name that needs encoding is never found.
  if (/%[0-9A-Fa-f]{2}/.test(value)) {
    throw new SnippetError(
      `app.offload.value "${value}": django-downloadview sends X-Sendfile percent-encoded, and mod_xsendfile takes ` +
        "it literally: keep the file name to letters, digits and - _ . ~ ! * ' ( ) (give the download its name " +
        'with sentinel.fileName)',
    );
  }
  const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
  return {
    file: storage.path.slice(storage.path.lastIndexOf('/') + 1),
    fileDir: dirOf(storage.path),
    sendfileDir: dirOf(value),
  };
}

/**
 * The VirtualHost that serves the healthcheck routes of a target, or of a stack (a target and its extra
 * sentinels, the written target first), with mod_proxy and mod_xsendfile.
 */
export function apacheSnippet(stack: Target | readonly Target[], options: ApacheSnippetOptions = {}): string {
  const targets = asStack(stack);
  const [target] = targets;
  if (!target) throw new SnippetError('no target to configure');
  const disks = targets.map(diskTarget);
  const endToEnd = new URL(target.endToEnd.url);
  const port = endToEnd.port || (endToEnd.protocol === 'https:' ? '443' : '80');
  const serverName = target.endToEnd.host ?? endToEnd.hostname;
  const unique = (xs: string[]) => [...new Set(xs)];
  const sendfileDirs = options.xsendfilePathOverride
    ? [options.xsendfilePathOverride]
    : unique(disks.map((d) => d.sendfileDir));

  // Nested Locations merge in order, the last one winning: the written target's (shortest) route first.
  const downloadRoute = (t: StackTarget) => {
    const app = new URL(t.app.url);
    const appPort = options.appPortOverride ?? (app.port || (app.protocol === 'https:' ? '443' : '80'));
    return block(`<Location ${quote(new URL(t.endToEnd.url).pathname)}>`, '</Location>', [
      `ProxyPass ${quote(`${app.protocol}//${app.hostname}:${appPort}${app.pathname}`)}`,
      // The app checks the Host header (Django's ALLOWED_HOSTS): pass the client's, not the upstream's name.
      'ProxyPreserveHost On',
      ...(options.appHostOverride ? [`RequestHeader set Host ${quote(options.appHostOverride)}`] : []),
      ...(options.xsendfileOff ? [] : ['XSendFile On']),
      '# Only files under these directories may be sent: those the offload header names.',
      ...(options.omitXSendFilePath ? [] : sendfileDirs.map((dir) => `XSendFilePath ${quote(dir)}`)),
      ...(options.disableRanges ? ['MaxRanges none'] : []),
      ...(options.dropDisposition ? ['Header unset Content-Disposition'] : []),
      ...(options.extraDisposition
        ? [`Header add Content-Disposition ${quote(options.extraDisposition)}`]
        : []),
    ]);
  };
  // Aliases match in order, the first one winning: the longest URL first.
  const aliases = targets
    .map((t, i) => ({ path: new URL(t.proxy.url).pathname, disk: disks[i] ?? diskTarget(t) }))
    .sort((x, y) => y.path.length - x.path.length)
    .map(({ path, disk }) => `Alias ${quote(path)} ${quote(`${disk.fileDir}/${disk.file}`)}`);

  const names = targets.map((t) => `"${t.name}"`).join(', ');
  return [
    `# Generated by download-doctor for target${targets.length > 1 ? 's' : ''} ${names}.`,
    `# Needs: mod_proxy, mod_proxy_http, mod_headers, mod_alias and mod_xsendfile (libapache2-mod-xsendfile).`,
    // An address, not a name: Apache would resolve a name once, at start. ServerName picks the host.
    block(
      `<VirtualHost ${/^[\d.]+$|^\[[0-9a-f:]+\]$/i.test(endToEnd.hostname) ? endToEnd.hostname : '*'}:${port}>`,
      '</VirtualHost>',
      [
        `ServerName ${serverName}`,
        // An https app: mod_ssl proxies to it (a server-level directive, not a Location's).
        ...(targets.some((t) => t.app.url.startsWith('https:')) ? ['SSLProxyEngine On'] : []),
        ...(endToEnd.protocol === 'https:'
          ? ['# SSLEngine On, SSLCertificateFile ..., SSLCertificateKeyFile ...']
          : []),
        '',
        '# End to end: the healthcheck route goes to the app, which answers with X-Sendfile and no body;',
        '# mod_xsendfile then replaces the body with the file.',
        ...targets.map(downloadRoute),
        '',
        '# Proxy check: the sentinel straight from storage, without the app.',
        ...aliases,
        ...unique(disks.map((d) => d.fileDir)).map((dir) =>
          block(`<Directory ${quote(dir)}>`, '</Directory>', ['Require all granted']),
        ),
      ],
    ),
    '',
  ].join('\n');
}

/**
 * A whole httpd.conf around a snippet, for an Apache run unprivileged: `apache2 -f FILE -DFOREGROUND`.
 * SIGUSR1 reloads it gracefully. There is no `User` directive: it only applies when Apache starts as root.
 */
export function apacheMainConfig(snippet: string, listen: string, options: ApacheMainConfigOptions): string {
  const p = options.prefix.replace(/\/+$/, '');
  const modules = options.modulesDir ?? '/usr/lib/apache2/modules';
  return [
    '# Generated by download-doctor: an unprivileged Apache, run in the foreground from its own directory.',
    `ServerRoot ${quote(p)}`,
    `DefaultRuntimeDir ${quote(p)}`,
    `PidFile ${quote(`${p}/httpd.pid`)}`,
    `Mutex ${quote(`file:${p}`)} default`,
    `ErrorLog ${quote(`${p}/error.log`)}`,
    'LogLevel notice',
    ...MODULES.map(([name, file]) => `LoadModule ${name} ${quote(`${modules}/${file}`)}`),
    'TypesConfig /etc/mime.types',
    // One child process and no keep-alive: a reload then never races a reused connection, as with nginx.
    'StartServers 1',
    'ServerLimit 2',
    'ThreadsPerChild 16',
    'MinSpareThreads 1',
    'MaxSpareThreads 16',
    'MaxRequestWorkers 16',
    'KeepAlive Off',
    `Listen ${listen}`,
    `ServerName ${listen.replace(/:\d+$/, '')}`,
    'LogFormat "%a \\"%r\\" %>s %B" download_doctor',
    `CustomLog ${quote(`${p}/access.log`)} download_doctor`,
    '# Nothing on disk is served unless a <Directory> below allows it.',
    block('<Directory />', '</Directory>', ['AllowOverride None', 'Require all denied']),
    '',
    ...snippet.trimEnd().split('\n'),
    '',
  ].join('\n');
}

function block(open: string, close: string, body: readonly string[]): string {
  const inner = body.flatMap((line) => line.split('\n')).map((line) => (line === '' ? '' : `    ${line}`));
  return [open, ...inner, close].join('\n');
}
