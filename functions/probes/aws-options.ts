/** What the SDK clients of telemetry and paging share: an optional endpoint and region, and deadlines on every call. */
/** Each call's deadline. */
export const DEADLINE_MS = 5_000;

export interface AwsEndpoint {
  endpoint?: string | undefined;
  region?: string | undefined;
}

export const clientOptions = (o: AwsEndpoint) => ({
  ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  ...(o.region ? { region: o.region } : {}),
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: DEADLINE_MS },
});
