import { describe, expect, it } from 'vitest';
import { configSchema, type Target } from '../../functions/config/schema.ts';
import { apacheMainConfig, apacheSnippet } from '../../functions/snippets/apache.ts';
import {
  djangoDownloadView,
  djangoSettings,
  djangoSnippet,
  djangoStack,
  djangoUrls,
} from '../../functions/snippets/django.ts';
import { SnippetError } from '../../functions/snippets/errors.ts';
import { lighttpdMainConfig, lighttpdSnippet } from '../../functions/snippets/lighttpd.ts';
import { nginxMainConfig, nginxParts, nginxSnippet } from '../../functions/snippets/nginx.ts';

/** A target as a user writes it; `storage` and `offload` replace the defaults when given. */
function target(overrides: { storage?: object; offload?: object } = {}): Target {
  const [t] = configSchema.parse({
    targets: [
      {
        name: 'prod',
        sentinel: { sha256: 'a'.repeat(64), size: 25 },
        storage: overrides.storage ?? {
          type: 's3',
          bucket: 'media',
          key: 'healthcheck.txt',
          region: 'eu-west-1',
          endpoint: 'http://127.0.0.1:9000',
        },
        app: {
          url: 'http://127.0.0.1:8000/healthcheck-utils/download/',
          offload: overrides.offload ?? { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
        },
        proxy: { url: 'http://127.0.0.1:8080/healthcheck-utils/storage/' },
        endToEnd: { url: 'http://127.0.0.1:8080/healthcheck-utils/download/' },
      },
    ],
  }).targets;
  if (!t) throw new Error('no target');
  return t;
}

/** The body of `location <head> { ... }`, or undefined. */
function location(conf: string, head: string): string | undefined {
  const start = conf.indexOf(`location ${head} {`);
  return start < 0 ? undefined : conf.slice(start, conf.indexOf('}', start));
}

describe('nginxSnippet', () => {
  it('routes the healthcheck route to the app, with the client Host that Django checks', () => {
    const conf = nginxSnippet(target());
    expect(conf).toContain('upstream download_doctor_app {\n    server 127.0.0.1:8000;\n}');
    const route = location(conf, '= /healthcheck-utils/download/');
    expect(route).toContain('proxy_pass http://download_doctor_app;');
    expect(route).toContain('proxy_set_header Host $host;');
  });

  it('is a set of blocks to include: upstreams for the http block, locations for the existing server block', () => {
    const conf = nginxSnippet(target());
    // The server, its listen, TLS and server_name are the user's.
    expect(conf).not.toMatch(/^\s*(server \{|listen |server_name |ssl_certificate)/m);
    const http = conf.indexOf('# --- In the http block');
    const server = conf.indexOf('# --- In the server block');
    expect(http).toBeGreaterThan(0);
    expect(conf.indexOf('upstream download_doctor_app {')).toBeGreaterThan(http);
    expect(conf.indexOf('upstream download_doctor_app {')).toBeLessThan(server);
    expect(conf.indexOf('location /_storage/ {')).toBeGreaterThan(server);
  });

  it('passes the signed query of a private bucket on to S3, without the client Authorization', () => {
    const internal = location(nginxSnippet(target()), '/_storage/') ?? '';
    // No variables in proxy_pass: nginx appends the query as it came (and needs no resolver).
    expect(internal).toMatch(/proxy_pass http:\/\/download_doctor_storage\/media\/;/);
    expect(internal).not.toContain('$');
    expect(internal).toContain('proxy_set_header Authorization "";');
    expect(nginxSnippet(target())).not.toContain('WARNING');
  });

  it('warns when the bucket is readable by anyone, and says how to restrict it to the proxy', () => {
    const t = target();
    const pub = { ...t, storage: { ...t.storage, proxyAuth: 'public' } } as Target;
    expect(nginxSnippet(pub)).toMatch(/^# WARNING: storage\.proxyAuth is "public"/m);
    expect(nginxSnippet(pub)).toContain('readable by anyone');
    expect(nginxSnippet(pub)).toContain('say so with proxyAuth "network"');
    expect(nginxParts(pub).warnings.length).toBeGreaterThan(0);
  });

  it("does not cry wolf when only the proxy's network path may read: it prints the policy that says so", () => {
    const t = target();
    const net = { ...t, storage: { ...t.storage, proxyAuth: 'network' } } as Target;
    const conf = nginxSnippet(net);
    expect(conf).not.toContain('WARNING');
    expect(conf).toMatch(/^# storage\.proxyAuth is "network": nginx reads the bucket without a signature/m);
    const statement = /^# {3}(\{.*\})$/m.exec(conf)?.[1] ?? '';
    expect(JSON.parse(statement)).toEqual({
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${t.storage?.type === 's3' ? `${t.storage.bucket}/${t.storage.key}` : ''}`,
      Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-THE-PROXYS-ENDPOINT' } },
    });
    // The internal location is the same: unsigned URLs pass through it as signed ones do.
    expect(location(conf, '/_storage/')).toEqual(location(nginxSnippet(target()), '/_storage/'));
  });

  it('drops the signed query with a variable in proxy_pass, or the download name, when the sandbox asks', () => {
    const dropped = nginxSnippet(target(), { dropSignedQuery: true });
    const internal = location(dropped, '~ ^\\/_storage\\/(?<download_doctor_key>.*)$') ?? '';
    expect(internal).toContain('internal;');
    expect(internal).toContain('proxy_pass http://download_doctor_storage/media/$download_doctor_key;');
    expect(
      location(nginxSnippet(target(), { dropDisposition: true }), '= /healthcheck-utils/download/'),
    ).toContain('proxy_hide_header Content-Disposition;');
  });

  it("hides storage's own headers in both storage locations, with a hash bucket large enough for their names", () => {
    const conf = nginxSnippet(target());
    for (const head of ['/_storage/', '= /healthcheck-utils/storage/']) {
      const block = location(conf, head) ?? '';
      expect(block).toContain('proxy_headers_hash_bucket_size 128;');
      for (const h of ['x-amz-request-id', 'x-amz-id-2', 'x-amz-version-id', 'x-amzn-requestid'])
        expect(block).toContain(`proxy_hide_header ${h};`);
    }
    expect(nginxSnippet(target(), { showStorageHeaders: true })).not.toContain('proxy_hide_header x-amz');
  });

  it("applies the sandbox's other proxy options where they act: compression, masking, keys, temp files, a cache", () => {
    const internal = (options: Parameters<typeof nginxSnippet>[1]) =>
      location(nginxSnippet(target(), options), '/_storage/') ?? '';
    expect(internal({ compressDownloads: true })).toContain('gzip on;\n    gzip_types *;');
    const masked = nginxSnippet(target(), { interceptErrors: true });
    for (const head of ['/_storage/', '= /healthcheck-utils/storage/'])
      expect(location(masked, head)).toContain(
        'proxy_intercept_errors on;\n    error_page 403 404 =404 @download_doctor_not_found;',
      );
    expect(location(masked, '@download_doctor_not_found')).toContain('return 404;');
    const variable = nginxSnippet(target(), { keyInVariable: true });
    expect(location(variable, '~ ^\\/_storage\\/(?<download_doctor_key>.*)$')).toContain(
      'proxy_pass http://download_doctor_storage/media/$download_doctor_key$is_args$args;',
    );
    expect(internal({ unwritableTempPath: '/proc' })).toContain(
      'proxy_temp_path /proc;\n    limit_rate 512k;',
    );
    // A cache on the internal location, keyed on the path alone, its zone in the http block.
    const cached = nginxSnippet(target(), { offloadCache: 'offload_cache' });
    expect(location(cached, '/_storage/')).toContain(
      'proxy_cache download_doctor_offload;\n    proxy_cache_key $uri;\n    proxy_cache_valid 200 10m;',
    );
    expect(cached).toContain(
      'proxy_cache_path offload_cache levels=1:2 keys_zone=download_doctor_offload:1m max_size=64m inactive=1h use_temp_path=off;',
    );
    expect(location(cached, '= /healthcheck-utils/storage/')).not.toContain('proxy_cache');
    // The healthy configuration has none of them.
    const healthy = nginxSnippet(target());
    for (const x of [
      'gzip',
      'intercept',
      '$download_doctor_key',
      'proxy_temp_path',
      'limit_rate',
      'proxy_cache',
    ])
      expect(healthy).not.toContain(x);
  });

  it('encodes an awkward key (space, +, %, comma, non-ASCII) once, where nginx sends it as written', () => {
    const t = target();
    const key = 'odd name + 100%, été.txt';
    const encoded = 'odd%20name%20%2B%20100%25%2C%20%C3%A9t%C3%A9.txt';
    const awkward = {
      ...t,
      storage: { ...t.storage, key },
      app: { ...t.app, offload: { header: 'X-Accel-Redirect', value: `/_storage/${encoded}` } },
    } as Target;
    const conf = nginxSnippet(awkward);
    expect(location(conf, '= /healthcheck-utils/storage/')).toContain(
      `proxy_pass http://download_doctor_storage/media/${encoded};`,
    );
    expect(location(conf, '/_storage/')).toContain('proxy_pass http://download_doctor_storage/media/;');
    // nginx decodes the X-Accel-Redirect URI and sends + and , as they are: real S3 refuses the signature.
    expect(nginxParts(awkward).warnings.join(' ')).toMatch(
      /^WARNING: target "prod": storage\.key "odd name \+ 100%, été\.txt" holds a character the signer percent-encodes and nginx sends as it is/,
    );
    const plainKey = 'odd name 100% été.txt';
    const spaces = {
      ...awkward,
      storage: { ...awkward.storage, key: plainKey },
      app: {
        ...t.app,
        offload: { header: 'X-Accel-Redirect', value: `/_storage/${encodeURIComponent(plainKey)}` },
      },
    } as Target;
    expect(nginxParts(spaces).warnings).toEqual([]);
  });

  it('derives an internal location from the offload value, served from the shared storage upstream', () => {
    const conf = nginxSnippet(target());
    expect(
      conf.match(/^upstream download_doctor_storage \{\n {4}server 127\.0\.0\.1:9000;\n\}$/gm),
    ).toHaveLength(1);
    const internal = location(conf, '/_storage/');
    expect(internal).toContain('internal;');
    expect(internal).toContain('proxy_pass http://download_doctor_storage/media/;');
    expect(internal).toContain('proxy_set_header Authorization "";');
    const proxy = location(conf, '= /healthcheck-utils/storage/');
    expect(proxy).toContain('proxy_pass http://download_doctor_storage/media/healthcheck.txt;');
    expect(proxy).not.toContain('internal;');
    // Both storage locations reach storage the same way: same upstream, same Host.
    expect(conf.match(/proxy_pass http:\/\/download_doctor_storage\//g)).toHaveLength(2);
    expect(conf.match(/proxy_set_header Host 127\.0\.0\.1:9000;/g)).toHaveLength(2);
  });

  it('strips the whole key from the offload value, so a key in a folder maps back to itself', () => {
    const conf = nginxSnippet(
      target({
        storage: { type: 's3', bucket: 'media', key: 'checks/healthcheck.txt', region: 'eu-west-1' },
        offload: { header: 'X-Accel-Redirect', value: '/protected/checks/healthcheck.txt' },
      }),
    );
    expect(location(conf, '/protected/')).toContain('internal;');
  });

  it('uses virtual-hosted S3 over TLS when no endpoint is given, resolving its name as it goes', () => {
    const conf = nginxSnippet(
      target({
        storage: { type: 's3', bucket: 'media', key: 'rapport-été.txt', region: 'eu-west-1' },
        offload: { header: 'X-Accel-Redirect', value: '/_storage/rapport-%C3%A9t%C3%A9.txt' },
      }),
    );
    // No upstream for a host name: nginx would keep the addresses it found when it loaded.
    expect(conf).not.toContain('upstream download_doctor_storage');
    const internal = location(conf, '/_storage/') ?? '';
    expect(internal).toContain('resolver 169.254.169.253 valid=60s;');
    expect(internal).toContain('set $download_doctor_storage media.s3.eu-west-1.amazonaws.com:443;');
    // The path rewritten (nginx escapes it on the way out), the query (the signature) kept.
    expect(internal).toContain('rewrite ^\\/_storage\\/(.*)$ /$1 break;');
    expect(internal).toContain('proxy_pass https://$download_doctor_storage;');
    expect(internal).toContain('proxy_set_header Host media.s3.eu-west-1.amazonaws.com;');
    expect(internal).toContain('proxy_ssl_server_name on;');
    expect(internal).toContain('proxy_set_header Authorization "";');
    const proxy = location(conf, '= /healthcheck-utils/storage/') ?? '';
    expect(proxy).toContain('rewrite ^ /rapport-été.txt break;');
    expect(proxy).toContain('resolver 169.254.169.253 valid=60s;');
    // The sandbox's fault, in this form: a `?` at the end of the rewrite drops the query.
    expect(
      location(
        nginxSnippet(
          target({
            storage: { type: 's3', bucket: 'media', key: 'a.txt', region: 'eu-west-1' },
            offload: { header: 'X-Accel-Redirect', value: '/_storage/a.txt' },
          }),
          { dropSignedQuery: true },
        ),
        '/_storage/',
      ),
    ).toContain('rewrite ^\\/_storage\\/(.*)$ /$1? break;');
    expect(() =>
      nginxSnippet(
        target({
          storage: { type: 's3', bucket: 'media', key: 'a$b.txt', region: 'eu-west-1' },
          offload: { header: 'X-Accel-Redirect', value: '/_storage/a%24b.txt' },
        }),
      ),
    ).toThrow(/storage\.key "\/a\$b\.txt" holds "\$" or "\?"/);
  });

  it('serves a filesystem sentinel with alias', () => {
    const conf = nginxSnippet(
      target({ storage: { type: 'filesystem', path: '/srv/media/healthcheck.txt' } }),
    );
    expect(conf).not.toContain('download_doctor_storage');
    expect(location(conf, '/_storage/')).toContain('alias /srv/media/;');
    expect(location(conf, '= /healthcheck-utils/storage/')).toContain('alias /srv/media/healthcheck.txt;');
  });

  it.each([
    ['storagePortOverride', { storagePortOverride: 1 }, 'server 127.0.0.1:1;'],
    ['internalPrefixOverride', { internalPrefixOverride: '/moved/' }, 'location /moved/ {'],
  ])('applies %s (the sandbox faults) and changes nothing else', (_, options, expected) => {
    const healthy = nginxSnippet(target());
    const broken = nginxSnippet(target(), options);
    expect(broken).toContain(expected);
    expect(broken.split('\n').filter((line) => !healthy.includes(line))).toHaveLength(1);
    // The Host header still names the real endpoint.
    expect(broken).toContain('proxy_set_header Host 127.0.0.1:9000;');
  });

  it.each([
    [
      'an offload header nginx does not act on',
      { header: 'X-Sendfile', value: '/srv/healthcheck.txt' },
      /X-Sendfile/,
    ],
    ['a pattern', { header: 'X-Accel-Redirect', value: { pattern: '^/_storage/' } }, /pattern/],
    [
      'a value that does not end with the key',
      { header: 'X-Accel-Redirect', value: '/_storage/other.txt' },
      /"healthcheck\.txt"/,
    ],
    ['a value with no prefix', { header: 'X-Accel-Redirect', value: '/healthcheck.txt' }, /location prefix/],
  ])('refuses %s, naming the problem', (_, offload, message) => {
    expect(() => nginxSnippet(target({ offload }))).toThrow(SnippetError);
    expect(() => nginxSnippet(target({ offload }))).toThrow(message);
  });
});

describe('nginxMainConfig', () => {
  it('wraps the blocks in a server of its own, for an unprivileged nginx that keeps everything in its prefix', () => {
    const conf = nginxMainConfig(nginxParts(target()), {
      prefix: '/tmp/dd/nginx/',
      listen: '127.0.0.1:8080',
    });
    expect(conf).toMatch(/^ {4}server \{\n {8}listen 127\.0\.0\.1:8080;$/m);
    expect(conf).toMatch(/^daemon off;$/m);
    expect(conf).not.toMatch(/^\s*user /m);
    for (const path of ['pid', 'error_log', 'access_log', 'client_body_temp_path', 'proxy_temp_path']) {
      expect(conf).toMatch(new RegExp(`^\\s*${path} /tmp/dd/nginx/\\S+`, 'm'));
    }
    expect(conf).toContain('    upstream download_doctor_storage {');
    expect(conf.trimEnd().endsWith('}')).toBe(true);
  });
});

describe('djangoSnippet', () => {
  it('rewrites the path-style storage URL into the internal location the app header names', () => {
    expect(djangoDownloadView(target())).toEqual({
      backend: 'django_downloadview.nginx.XAccelRedirectMiddleware',
      rule: { source_url: 'http://127.0.0.1:9000/media/', destination_url: '/_storage/' },
      route: 'healthcheck-utils/download/',
      storage: { type: 's3' },
      path: 'healthcheck.txt',
    });
  });

  it('uses the bucket host on AWS, and the X-Sendfile backend with a directory rule on disk', () => {
    const aws = target({
      storage: { type: 's3', bucket: 'media', key: 'healthcheck.txt', region: 'eu-west-1' },
    });
    expect(djangoDownloadView(aws).rule).toEqual({
      source_url: 'https://media.s3.eu-west-1.amazonaws.com/',
      destination_url: '/_storage/',
    });
    // Signed URLs on the bucket's own host (a custom domain is never signed); unsigned ones on the domain.
    expect(djangoSnippet(aws)).toContain('AWS_S3_ADDRESSING_STYLE = "virtual"');
    const pub = { ...aws, storage: { ...aws.storage, proxyAuth: 'public' } } as Target;
    expect(djangoSnippet(pub)).toContain('AWS_S3_CUSTOM_DOMAIN = "media.s3.eu-west-1.amazonaws.com"');
    const disk = target({
      storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
      offload: { header: 'X-Sendfile', value: '/srv/files/healthcheck.txt' },
    });
    const view = djangoDownloadView(disk);
    expect(view.backend).toBe('django_downloadview.apache.XSendfileMiddleware');
    // A URL rule: the storage's file:// URLs are rewritten into the directory Apache reads.
    expect(view.rule).toEqual({ source_url: 'file:///srv/files/', destination_dir: '/srv/files/' });
    expect(view.storage).toEqual({
      type: 'filesystem',
      location: '/srv/files/',
      baseUrl: 'file:///srv/files/',
    });
    const snippet = djangoSnippet(disk);
    expect(snippet).toContain(
      'healthcheck_storage = FileSystemStorage(location="/srv/files/", base_url="file:///srv/files/")',
    );
    expect(snippet).toContain('storage=healthcheck_storage,\n        path="healthcheck.txt",');
  });

  it("applies the sandbox's app fault options to what they name, and nothing else", () => {
    const healthy = djangoSnippet(target());
    expect(healthy).toContain('MIDDLEWARE += ["django_downloadview.SmartDownloadMiddleware"]');
    expect(djangoSnippet(target(), {})).toBe(healthy);
    expect(djangoSettings(target(), { omitMiddleware: true })).not.toContain('SmartDownloadMiddleware');
    expect(djangoSettings(target(), { allowedHostsOverride: ['x.internal'] })).toContain(
      'ALLOWED_HOSTS += ["x.internal"]',
    );
    expect(
      djangoSettings(target(), { destinationOverride: '/protected/', sourceOverride: 'http://s/b/' }),
    ).toContain('DOWNLOADVIEW_RULES = [{"source_url":"http://s/b/","destination_url":"/protected/"}]');
    const named = target({
      storage: { type: 's3', bucket: 'media', key: 'healthcheck.txt', region: 'eu-west-1' },
    });
    const withName = { ...named, sentinel: { ...named.sentinel, fileName: 'rapport-été.txt' } };
    expect(djangoUrls(withName)).toContain('basename="rapport-été.txt"');
    expect(djangoUrls(withName, { omitBasename: true })).not.toContain('basename');
  });

  it('signs the URLs of a private bucket by default, and warns when the bucket is public', () => {
    const signed = djangoSettings(target());
    expect(signed).toContain('AWS_QUERYSTRING_AUTH = True');
    expect(signed).toContain('AWS_S3_SIGNATURE_VERSION = "s3v4"');
    expect(signed).not.toContain('WARNING');
    const t = target();
    const pub = { ...t, storage: { ...t.storage, proxyAuth: 'public' } } as Target;
    const unsigned = djangoSettings(pub);
    expect(unsigned).toContain('AWS_QUERYSTRING_AUTH = False');
    expect(unsigned).toMatch(/^# WARNING: storage\.proxyAuth is "public"/m);
    const net = djangoSettings({ ...t, storage: { ...t.storage, proxyAuth: 'network' } } as Target);
    expect(net).toContain('AWS_QUERYSTRING_AUTH = False');
    expect(net).not.toContain('WARNING');
    expect(net).toContain("the bucket lets the proxy's network path read");
    // The sandbox's fault: the public-bucket setting on a private bucket, without the warning's reason.
    expect(djangoSettings(target(), { unsignedUrls: true })).toContain('AWS_QUERYSTRING_AUTH = False');
  });

  it('limits the views to GET when the sandbox asks (HEAD then gets 405)', () => {
    expect(djangoUrls(target(), { getOnly: true })).toContain('http_method_names=["get"],');
    expect(djangoUrls(target())).not.toContain('http_method_names');
  });

  it('leaves the routes out when the sandbox asks (a deploy that dropped them)', () => {
    expect(djangoUrls(target())).toContain('path("healthcheck-utils/download/"');
    const without = djangoUrls(target(), { omitRoutes: true });
    expect(without).not.toContain('path(');
    expect(without).toContain('urlpatterns += []');
  });

  it('refuses X-Lighttpd-Send-File, which django-downloadview never sends', () => {
    expect(() =>
      djangoSnippet(
        target({
          storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
          offload: { header: 'X-Lighttpd-Send-File', value: '/srv/files/healthcheck.txt' },
        }),
      ),
    ).toThrow(/X-Lighttpd-Send-File: django-downloadview sends X-Accel-Redirect or X-Sendfile/);
  });

  it('refuses a pattern, or a value that does not end with the sentinel, naming the field', () => {
    expect(() =>
      djangoSnippet(target({ offload: { header: 'X-Accel-Redirect', value: { pattern: '^/x' } } })),
    ).toThrow(SnippetError);
    expect(() =>
      djangoSnippet(target({ offload: { header: 'X-Accel-Redirect', value: '/_storage/other.txt' } })),
    ).toThrow(/app\.offload\.value "\/_storage\/other\.txt" must end with/);
  });
});

describe('apacheSnippet', () => {
  const disk = () =>
    target({
      storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
      offload: { header: 'X-Sendfile', value: '/srv/files/healthcheck.txt' },
    });
  /** The body of `<Location "PATH">`. */
  const route = (conf: string) => {
    const start = conf.indexOf('<Location "/healthcheck-utils/download/">');
    return start < 0 ? '' : conf.slice(start, conf.indexOf('</Location>', start));
  };

  it('proxies the download route to the app with the client Host, and lets mod_xsendfile send the file', () => {
    const conf = apacheSnippet(disk());
    expect(conf).toContain('<VirtualHost 127.0.0.1:8080>');
    const named = {
      ...disk(),
      endToEnd: { ...disk().endToEnd, url: 'http://files.example.com/healthcheck-utils/download/' },
    };
    expect(apacheSnippet(named)).toContain('<VirtualHost *:80>\n    ServerName files.example.com');
    const download = route(conf);
    expect(download).toContain('ProxyPass "http://127.0.0.1:8000/healthcheck-utils/download/"');
    expect(download).toContain('ProxyPreserveHost On');
    expect(download).toContain('XSendFile On');
    // The directory the app's header names, and no wider.
    expect(download).toContain('XSendFilePath "/srv/files"');
    expect(download).not.toContain('RequestHeader');
  });

  it('serves the proxy check straight from the storage directory', () => {
    const conf = apacheSnippet(disk());
    expect(conf).toContain('Alias "/healthcheck-utils/storage/" "/srv/files/healthcheck.txt"');
    expect(conf).toMatch(/<Directory "\/srv\/files">\n\s+Require all granted\n\s+<\/Directory>/);
  });

  it("applies the sandbox's fault options to what they name, and nothing else", () => {
    const healthy = apacheSnippet(disk());
    const off = apacheSnippet(disk(), { xsendfileOff: true });
    expect(route(off)).not.toContain('XSendFile On');
    expect(route(off)).toContain('XSendFilePath');
    expect(route(apacheSnippet(disk(), { omitXSendFilePath: true }))).not.toContain('XSendFilePath');
    expect(route(apacheSnippet(disk(), { xsendfilePathOverride: '/var/empty' }))).toContain(
      'XSendFilePath "/var/empty"',
    );
    expect(route(apacheSnippet(disk(), { appHostOverride: 'backend.internal' }))).toContain(
      'RequestHeader set Host "backend.internal"',
    );
    expect(route(apacheSnippet(disk(), { appPortOverride: 9 }))).toContain('ProxyPass "http://127.0.0.1:9/');
    expect(apacheSnippet(disk(), {})).toBe(healthy);
  });

  it('refuses S3 storage, another offload header, or a pattern, naming the field', () => {
    expect(() => apacheSnippet(target())).toThrow(
      /^storage\.type is "s3"; mod_xsendfile serves files from disk/,
    );
    expect(() =>
      apacheSnippet(
        target({
          storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
          offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
        }),
      ),
    ).toThrow(SnippetError);
    expect(() =>
      apacheSnippet(
        target({
          storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
          offload: { header: 'X-Sendfile', value: { pattern: '^/srv/' } },
        }),
      ),
    ).toThrow(/^app\.offload\.value must be the absolute path/);
  });

  it('adds a second Content-Disposition when the sandbox asks', () => {
    expect(route(apacheSnippet(disk(), { extraDisposition: 'attachment' }))).toContain(
      'Header add Content-Disposition "attachment"',
    );
    expect(apacheSnippet(disk())).not.toContain('Header add');
  });

  it('wraps the snippet in a whole httpd.conf for an unprivileged Apache in its own directory', () => {
    const conf = apacheMainConfig(apacheSnippet(disk()), '127.0.0.1:8080', { prefix: '/tmp/dd/apache/' });
    expect(conf).toContain('Listen 127.0.0.1:8080');
    for (const file of ['PidFile "/tmp/dd/apache/httpd.pid"', 'ErrorLog "/tmp/dd/apache/error.log"']) {
      expect(conf).toContain(file);
    }
    expect(conf).toContain('LoadModule xsendfile_module "/usr/lib/apache2/modules/mod_xsendfile.so"');
    expect(conf).not.toMatch(/^User /m);
    expect(conf.indexOf('Require all denied')).toBeLessThan(conf.indexOf('<VirtualHost'));
  });
});

describe('lighttpdSnippet', () => {
  const disk = () =>
    target({
      storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
      offload: { header: 'X-Sendfile', value: '/srv/files/healthcheck.txt' },
    });
  const route = (conf: string, path: string) => {
    const start = conf.indexOf(`$HTTP["url"] == "${path}" {`);
    return start < 0 ? '' : conf.slice(start, conf.indexOf('\n}', start));
  };

  it('proxies the download route to the app with X-Sendfile allowed under the directory the app names', () => {
    const conf = lighttpdSnippet(disk());
    const download = route(conf, '/healthcheck-utils/download/');
    expect(download).toContain(
      'proxy.server = ("" => (("host" => "127.0.0.1", "port" => 8000, "allow-x-send-file" => "enable", "x-sendfile-docroot" => ("/srv/files/"))))',
    );
    // Same path on both sides: no mapping; the client's Host goes on as it is.
    expect(download).not.toContain('map-urlpath');
    expect(download).not.toContain('setenv');
    expect(route(conf, '/healthcheck-utils/storage/')).toContain(
      'alias.url = ("/healthcheck-utils/storage/" => "/srv/files/healthcheck.txt")',
    );
    expect(conf).toContain(
      '# Needs: server.modules += ("mod_access", "mod_alias", "mod_setenv", "mod_proxy")',
    );
  });

  it('maps the path when the app route differs', () => {
    const t = disk();
    const other = { ...t, app: { ...t.app, url: 'http://127.0.0.1:8000/internal/download/' } } as Target;
    expect(route(lighttpdSnippet(other), '/healthcheck-utils/download/')).toContain(
      'proxy.header = ("map-urlpath" => ("/healthcheck-utils/download/" => "/internal/download/"))',
    );
  });

  it("applies the sandbox's fault options to what they name, and nothing else", () => {
    const healthy = lighttpdSnippet(disk());
    expect(lighttpdSnippet(disk(), {})).toBe(healthy);
    const changed = (options: object) =>
      lighttpdSnippet(disk(), options)
        .split('\n')
        .filter((line) => !healthy.includes(line));
    expect(changed({ xsendfileOff: true }).join('\n')).toContain('"allow-x-send-file" => "disable"');
    expect(changed({ xsendfilePathOverride: '/var/empty/' }).join('\n')).toContain(
      '"x-sendfile-docroot" => ("/var/empty/")',
    );
    expect(changed({ appPortOverride: 9 }).join('\n')).toContain('"port" => 9,');
    expect(changed({ appHostOverride: 'backend.internal' })).toEqual([
      '    setenv.set-request-header = ("Host" => "backend.internal")',
    ]);
    expect(changed({ disableRanges: true })).toEqual(['    server.range-requests = "disable"']);
    expect(changed({ dropDisposition: true })).toEqual([
      '    setenv.set-response-header = ("Content-Disposition" => "")',
    ]);
  });

  it('refuses S3 storage, X-Accel-Redirect, or a pattern, naming the field', () => {
    expect(() => lighttpdSnippet(target())).toThrow(
      /^storage\.type is "s3"; lighttpd's X-Sendfile serves files/,
    );
    expect(() =>
      lighttpdSnippet(
        target({
          storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
          offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
        }),
      ),
    ).toThrow(SnippetError);
    expect(() =>
      lighttpdSnippet(
        target({
          storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
          offload: { header: 'X-Sendfile', value: { pattern: '^/srv/' } },
        }),
      ),
    ).toThrow(/^app\.offload\.value must be the absolute path/);
  });

  it('adds a second Content-Disposition, or compresses downloads (mod_deflate), when the sandbox asks', () => {
    const download = (options: Parameters<typeof lighttpdSnippet>[1]) =>
      route(lighttpdSnippet(disk(), options), '/healthcheck-utils/download/');
    expect(download({ extraDisposition: 'attachment' })).toContain(
      'setenv.add-response-header = ("Content-Disposition" => "attachment")',
    );
    expect(download({ compressDownloads: true })).toContain('deflate.allowed-encodings = ("gzip")');
    expect(lighttpdSnippet(disk(), { compressDownloads: true })).toContain(
      'server.modules += ("mod_deflate")',
    );
    expect(lighttpdSnippet(disk())).not.toMatch(/deflate|add-response-header/);
  });

  it('wraps the snippet in a whole lighttpd.conf for an unprivileged lighttpd in its own directory', () => {
    const conf = lighttpdMainConfig(lighttpdSnippet(disk()), '127.0.0.1:8080', {
      prefix: '/tmp/dd/lighttpd/',
    });
    expect(conf).toContain('server.bind = "127.0.0.1"\nserver.port = 8080');
    expect(conf).toContain('server.errorlog = "/tmp/dd/lighttpd/error.log"');
    expect(conf).not.toContain('server.username');
    expect(() => lighttpdMainConfig('', 'localhost', { prefix: '/tmp' })).toThrow(/ADDRESS:PORT/);
  });
});

describe('a stack: a target and its extra sentinels', () => {
  const stack = (storage: object, header: string, value: string, extra: { file: string; offload: string }) =>
    configSchema.parse({
      targets: [
        {
          name: 'prod',
          sentinel: { sha256: 'a'.repeat(64), size: 25 },
          sentinels: [
            {
              name: 'unicode',
              sentinel: { sha256: 'b'.repeat(64), size: 9, fileName: 'rapport-été.txt' },
              ...extra,
            },
          ],
          storage,
          app: { url: 'http://127.0.0.1:8000/healthcheck-utils/download/', offload: { header, value } },
          proxy: { url: 'http://127.0.0.1:8080/healthcheck-utils/storage/' },
          endToEnd: { url: 'http://127.0.0.1:8080/healthcheck-utils/download/' },
        },
      ],
    }).targets;
  const s3 = () =>
    stack(
      {
        type: 's3',
        bucket: 'media',
        key: 'healthcheck.txt',
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:9000',
      },
      'X-Accel-Redirect',
      '/_storage/healthcheck.txt',
      { file: 'rapport-été.txt', offload: '/_storage/rapport-%C3%A9t%C3%A9.txt' },
    );
  // The X-Sendfile django-downloadview sends: the file's path, percent-encoded (from the file's URL).
  const disk = (file = '/srv/files/rapport-ete.txt') =>
    stack(
      { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
      'X-Sendfile',
      '/srv/files/healthcheck.txt',
      {
        file,
        offload: file.replace(/[^/]+$/, (name) => encodeURIComponent(name)),
      },
    );

  it('nginx: one internal location, a download and a proxy-check route per sentinel', () => {
    const conf = nginxSnippet(s3());
    expect(conf.match(/location \/_storage\/ \{/g)).toHaveLength(1);
    expect(location(conf, '= /healthcheck-utils/download/unicode/')).toContain(
      'proxy_pass http://download_doctor_app;',
    );
    expect(location(conf, '= /healthcheck-utils/storage/unicode/')).toContain(
      'proxy_pass http://download_doctor_storage/media/rapport-%C3%A9t%C3%A9.txt;',
    );
  });

  it('nginx: refuses a sentinel whose offload prefix differs, naming its target', () => {
    const [first, second] = s3();
    if (!first || !second) throw new Error('two targets');
    const other = {
      ...second,
      app: { ...second.app, offload: { ...second.app.offload, value: '/other/rapport-%C3%A9t%C3%A9.txt' } },
    };
    expect(() => nginxSnippet([first, other])).toThrow(
      /^target "prod-unicode": its offload value's prefix "\/other\/"/,
    );
  });

  it('Apache: the nested route after the first, the longer alias before the shorter', () => {
    const conf = apacheSnippet(disk());
    expect(conf.indexOf('<Location "/healthcheck-utils/download/">')).toBeLessThan(
      conf.indexOf('<Location "/healthcheck-utils/download/unicode/">'),
    );
    expect(
      conf.indexOf('Alias "/healthcheck-utils/storage/unicode/" "/srv/files/rapport-ete.txt"'),
    ).toBeLessThan(conf.indexOf('Alias "/healthcheck-utils/storage/" "/srv/files/healthcheck.txt"'));
    expect(conf.match(/XSendFilePath "\/srv\/files"/g)).toHaveLength(2); // one per route, one directory
  });

  it('Django: one rule, a route per sentinel with its basename; a file on disk whose name needs encoding is refused by Apache only', () => {
    const django = djangoStack(s3());
    expect(django.rule).toEqual({
      source_url: 'http://127.0.0.1:9000/media/',
      destination_url: '/_storage/',
    });
    expect(django.routes).toEqual([
      { route: 'healthcheck-utils/download/', path: 'healthcheck.txt' },
      { route: 'healthcheck-utils/download/unicode/', path: 'rapport-été.txt', basename: 'rapport-été.txt' },
    ]);
    expect(djangoSnippet(s3())).toContain('basename="rapport-été.txt"');
    // An awkward name: a space, +, %, a comma and non-ASCII, sent percent-encoded.
    const awkward = disk('/srv/files/odd name + 100%, été.txt');
    expect(djangoStack(awkward).routes[1]).toEqual({
      route: 'healthcheck-utils/download/unicode/',
      path: 'odd name + 100%, été.txt',
      basename: 'rapport-été.txt',
    });
    // lighttpd decodes X-Sendfile (its docroot is the directory); mod_xsendfile takes it literally.
    expect(lighttpdSnippet(awkward)).toContain('"x-sendfile-docroot" => ("/srv/files/")');
    expect(() => apacheSnippet(awkward)).toThrow(
      /^app\.offload\.value "\/srv\/files\/odd%20name%20%2B%20100%25%2C%20%C3%A9t%C3%A9\.txt": django-downloadview sends X-Sendfile percent-encoded, and mod_xsendfile takes it literally/,
    );
  });
});
