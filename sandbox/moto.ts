/** A moto_server of its own on a free loopback port (S3, CloudWatch, SNS, Step Functions...), for tests and demos. */
import { join } from 'node:path';
import { freePorts, Service, waitUntil } from './processes.ts';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startMotoServer(logDir: string, timeoutMs = 20_000): Promise<MotoServer> {
  const [port] = await freePorts(1);
  const endpoint = `http://127.0.0.1:${port}`;
  const moto = new Service(
    'moto_server',
    join(logDir, `moto-${port}.log`),
    'moto_server',
    ['-H', '127.0.0.1', '-p', String(port)],
    {
      env: process.env,
    },
  );
  await waitUntil('moto_server', [moto], timeoutMs, async () => {
    const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.ok;
  });
  return { endpoint, stop: () => moto.stop() };
}
