/** A moto_server of its own on a loopback port (S3, CloudWatch, SNS, Step Functions...), for tests and demos. */
import { join } from 'node:path';
import { freePorts, Service, waitUntil } from './processes.ts';

export interface MotoServer {
  endpoint: string;
  readonly service: Service;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /** The port to listen on (the sandbox restarts its moto on the same one). @default a free port */
  port?: number;
  /** @default 20000 */
  timeoutMs?: number;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Starts moto_server, its log in `logDir`, and resolves once it answers. */
export async function startMotoServer(logDir: string, options: MotoOptions = {}): Promise<MotoServer> {
  const port = options.port ?? (await freePorts(1))[0];
  const endpoint = `http://127.0.0.1:${port}`;
  const service = new Service(
    'moto_server',
    join(logDir, `moto-${port}.log`),
    'moto_server',
    ['-H', '127.0.0.1', '-p', String(port)],
    { env: options.env ?? process.env },
  );
  await waitUntil('moto_server', [service], options.timeoutMs ?? 20_000, async () => {
    const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.ok;
  });
  return { endpoint, service, stop: () => service.stop() };
}
