import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';

/** Handlers always answer with a status, headers and a JSON body (never the bare-string form). */
export type UrlResult = APIGatewayProxyStructuredResultV2;

/** A function URL request, as the handlers need it: the body as bytes (it may arrive base64). */
export interface UrlRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
  /** The IAM principal, when the URL uses AWS_IAM auth. */
  caller?: string;
}

export function parseUrlEvent(event: LambdaFunctionURLEvent): UrlRequest {
  const raw = event.body ?? '';
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string; callerId?: string } } }).authorizer
    ?.iam;
  const caller = iam?.userArn ?? iam?.callerId;
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath || '/',
    query: new URLSearchParams(event.rawQueryString ?? ''),
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
    ...(caller ? { caller } : {}),
  };
}

export function jsonResult(statusCode: number, body: unknown): UrlResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

export function errorResult(statusCode: number, reason: string, message: string): UrlResult {
  return jsonResult(statusCode, { error: { reason, message } });
}
