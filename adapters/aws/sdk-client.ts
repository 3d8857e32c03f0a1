/** What every AWS client of the adapters is configured from (each service adds its own region rule). */
export interface SdkClientOptions<Credentials> {
  /** An emulator's URL in tests; unset in production (the SDK picks the service's endpoint). */
  endpoint?: string;
  /** Unset: the standard chain (environment, profile, container or instance role). */
  credentials?: Credentials;
  /** Per request; each service has its default. */
  requestTimeoutMs?: number;
}

/**
 * The SDK settings every AWS client of the adapters shares: no SDK retries (maxAttempts 1: ours
 * are in the AWS frame, bounded by the move's deadline and counted), and a request timeout that
 * actually throws (the request handler only warns unless throwOnRequestTimeout is set).
 */
export function sdkClientConfig<Credentials>(options: SdkClientOptions<Credentials>, defaultTimeoutMs: number) {
  return {
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? defaultTimeoutMs,
      throwOnRequestTimeout: true,
    },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}
