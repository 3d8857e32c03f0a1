import type { Context, LambdaFunctionURLEvent, ScheduledEvent } from 'aws-lambda';

/** A Lambda function URL event (payload 2.0) as AWS delivers it. */
export function urlEvent(opts: {
  method?: string;
  path?: string;
  query?: string;
  body?: string;
  base64?: boolean;
  callerArn?: string;
  contentType?: string;
}): LambdaFunctionURLEvent {
  const method = opts.method ?? 'POST';
  const path = opts.path ?? '/';
  const now = Date.now();
  const body =
    opts.body === undefined ? undefined : opts.base64 ? Buffer.from(opts.body, 'utf8').toString('base64') : opts.body;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: opts.query ?? '',
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      host: 'abcdefghijklmnop.lambda-url.eu-central-1.on.aws',
      'user-agent': 'ipferry-agent/0.1',
      'x-amzn-trace-id': 'Root=1-65a0b1c2-0123456789abcdef01234567',
      'x-forwarded-proto': 'https',
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: !!opts.base64,
    requestContext: {
      accountId: opts.callerArn ? '123456789012' : 'anonymous',
      apiId: 'abcdefghijklmnop',
      domainName: 'abcdefghijklmnop.lambda-url.eu-central-1.on.aws',
      domainPrefix: 'abcdefghijklmnop',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.18.0.11', userAgent: 'ipferry-agent/0.1' },
      requestId: `req-${now}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(opts.callerArn
        ? {
            authorizer: {
              iam: {
                accessKey: 'AKIAEXAMPLE',
                accountId: '123456789012',
                callerId: 'AIDAEXAMPLE',
                cognitoIdentity: null,
                principalOrgId: null,
                userArn: opts.callerArn,
                userId: 'AIDAEXAMPLE',
              },
            },
          }
        : {}),
    } as LambdaFunctionURLEvent['requestContext'],
  };
}

/** An EventBridge scheduled event. */
export function scheduledEvent(): ScheduledEvent {
  return {
    version: '0',
    account: '123456789012',
    region: 'eu-central-1',
    detail: {},
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    time: new Date().toISOString(),
    id: `sched-${Date.now()}`,
    resources: ['arn:aws:events:eu-central-1:123456789012:rule/ipferry-tick'],
  };
}

/** The invocation context, with the time budget a real function would have. */
export function lambdaContext(budgetMs = 30_000): Context {
  const end = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'ipferry-heartbeat',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:ipferry-heartbeat',
    memoryLimitInMB: '256',
    awsRequestId: `aws-${Date.now()}`,
    logGroupName: '/aws/lambda/ipferry-heartbeat',
    logStreamName: '2026/11/22/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
