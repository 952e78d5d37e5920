/**
 * The sandbox's two storages, behind one set of levers: an S3 bucket on moto_server, and a directory on disk.
 * Each holds the sentinels (the levers act on the first), and says how the checks (the target's `storage`
 * block) and Django reach it.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ConfigInput } from '../functions/config/schema.ts';
import { SandboxError } from './errors.ts';
import { type MotoServer, startMotoServer } from './moto.ts';
import type { Service } from './processes.ts';

type StorageInput = ConfigInput['targets'][number]['storage'];

/** A file the storage holds: its name (the S3 key, or the file's name in the directory) and its bytes. */
export interface StoredFile {
  readonly name: string;
  readonly body: Buffer;
}

export interface SandboxStorage {
  /** The target's `storage` block. */
  readonly config: StorageInput;
  /** Where a sentinel's file is, as an extra sentinel's `file` names it: its key, or its path. */
  locate(name: string): string;
  /** Variables the storage check needs (dummy credentials). */
  readonly env: Readonly<Record<string, string>>;
  readonly running: Service | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Writes the first sentinel's file (the healthy one, or other bytes). */
  write(body: Buffer): Promise<void>;
  remove(): Promise<void>;
  /**
   * `deny`: the first sentinel can no longer be read (a bucket policy Deny, or mode 000 on disk); `network`:
   * anonymous reads of every object allowed from loopback addresses (S3), as `allow` on disk.
   */
  setAccess(access: SentinelAccess): Promise<void>;
  /** What the first sentinel's object carries besides its bytes (S3 only: a file on disk has no metadata). */
  setMetadata(metadata: ObjectMetadata): Promise<void>;
  close(): void;
}

/** Who may read the sentinel (STACK_LEVERS' `sentinel-access`). */
export type SentinelAccess = 'allow' | 'deny' | 'network';

/** The first sentinel's object metadata: as uploaded, or one of the ways it goes wrong (see STACK_LEVERS). */
export type ObjectMetadata = 'as-uploaded' | 'default-type' | 'gzip-encoding' | 'disposition';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * A private S3 bucket on moto_server; `start` (re)creates the bucket and the sentinels. Nothing in it is public:
 * nginx reads with the URL the app signed, the proxy check with the monitor's signature, and moto refuses
 * anonymous reads. (moto does not verify a signature: a request that carries one counts as authorized.)
 */
export class MotoStorage implements SandboxStorage {
  readonly config: StorageInput;
  readonly env = {
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  private readonly s3: S3Client;
  private server: MotoServer | undefined;

  private readonly key: string;

  constructor(
    private readonly port: number,
    private readonly bucket: string,
    private readonly files: readonly [StoredFile, ...StoredFile[]],
    private readonly contentType: string,
    /** Where moto's log goes, and its environment. */
    private readonly logDir: string,
    private readonly motoEnv: NodeJS.ProcessEnv,
    private readonly timeoutMs: number,
    checkTimeoutMs: number,
  ) {
    const endpoint = `http://127.0.0.1:${port}`;
    this.key = files[0].name;
    this.config = {
      type: 's3',
      bucket,
      key: this.key,
      region: REGION,
      endpoint,
      forcePathStyle: true,
      proxyAuth: 'presigned',
      timeoutMs: checkTimeoutMs,
    };
    this.s3 = new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: CREDENTIALS });
  }

  get running(): Service | undefined {
    return this.server?.service.running ? this.server.service : undefined;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { port, logDir, motoEnv: env, timeoutMs } = this;
    this.server = await startMotoServer(logDir, { port, env, timeoutMs });
    await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
    for (const file of this.files) await this.put(file.name, file.body);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  locate(name: string): string {
    return name;
  }

  async write(body: Buffer): Promise<void> {
    await this.put(this.key, body);
  }

  private async put(key: string, body: Buffer, metadata: ObjectMetadata = 'as-uploaded'): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        // An upload without a type gets S3's default, binary/octet-stream.
        ContentType: metadata === 'default-type' ? 'binary/octet-stream' : this.contentType,
        ...(metadata === 'gzip-encoding' ? { ContentEncoding: 'gzip' } : {}),
        ...(metadata === 'disposition' ? { ContentDisposition: 'attachment; filename="sentinel.bin"' } : {}),
      }),
    );
  }

  /** The first sentinel uploaded again, its bytes as they were, with other metadata. */
  async setMetadata(metadata: ObjectMetadata): Promise<void> {
    const body = this.files[0].body;
    await this.put(this.key, body, metadata);
  }

  async remove(): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key }));
  }

  /**
   * `deny`: a bucket policy denies s3:GetObject on the first sentinel to everyone; `network`: one allows it on
   * every object to anonymous requests from loopback addresses (the proxy's network path; moto does not check
   * the condition); `allow`: no policy.
   */
  async setAccess(access: SentinelAccess): Promise<void> {
    if (access === 'allow') {
      await this.s3.send(new DeleteBucketPolicyCommand({ Bucket: this.bucket }));
      return;
    }
    const statement =
      access === 'deny'
        ? {
            Sid: 'DownloadDoctorSentinelDenied',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${this.bucket}/${this.key}`,
          }
        : {
            Sid: 'DownloadDoctorProxyNetworkReads',
            Effect: 'Allow',
            Principal: '*',
            // S3 authorizes HEAD with s3:GetObject; moto asks for an action of HEAD's own, s3:HeadObject.
            Action: ['s3:GetObject', 's3:HeadObject'],
            Resource: `arn:aws:s3:::${this.bucket}/*`,
            Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
          };
    const policy = { Version: '2012-10-17', Statement: [statement] };
    await this.s3.send(new PutBucketPolicyCommand({ Bucket: this.bucket, Policy: JSON.stringify(policy) }));
  }

  close(): void {
    this.s3.destroy();
  }
}

/**
 * A directory on disk, owned by the sandbox's user and readable by everyone, as a web server's files are.
 * The storage check reads it as `readAs` (the services' unprivileged user), so that mode 000 is a real fault.
 */
export class DiskStorage implements SandboxStorage {
  readonly config: StorageInput;
  readonly env = {};
  readonly running = undefined;
  readonly path: string;

  constructor(
    readonly dir: string,
    private readonly files: readonly [StoredFile, ...StoredFile[]],
    readAs: string | undefined,
    checkTimeoutMs: number,
  ) {
    this.path = join(dir, files[0].name);
    this.config = {
      type: 'filesystem',
      path: this.path,
      ...(readAs ? { readAs } : {}),
      timeoutMs: checkTimeoutMs,
    };
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    chmodSync(this.dir, 0o755);
    for (const file of this.files) this.put(join(this.dir, file.name), file.body);
  }

  locate(name: string): string {
    return join(this.dir, name);
  }

  stop(): Promise<void> {
    throw new SandboxError('the disk storage has no server to stop');
  }

  async write(body: Buffer): Promise<void> {
    this.put(this.path, body);
  }

  private put(path: string, body: Buffer): void {
    writeFileSync(path, body, { mode: 0o644 });
    chmodSync(path, 0o644);
  }

  async remove(): Promise<void> {
    rmSync(this.path, { force: true });
  }

  /**
   * `deny`: the file is replaced by a copy with mode 000 (a new inode, as a deploy with a bad umask leaves it).
   * A chmod alone would show late on lighttpd, which keeps serving a file it has open until its inode, size or
   * mtime changes. `allow`: mode 644.
   */
  async setAccess(access: SentinelAccess): Promise<void> {
    if (access !== 'deny') {
      chmodSync(this.path, 0o644);
      return;
    }
    const copy = `${this.path}.unreadable`;
    writeFileSync(copy, readFileSync(this.path), { mode: 0o000 });
    chmodSync(copy, 0o000);
    renameSync(copy, this.path);
  }

  async setMetadata(): Promise<void> {
    throw new SandboxError('a file on disk has no metadata: the sentinel-metadata lever is for S3');
  }

  close(): void {}
}
