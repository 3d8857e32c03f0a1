import { z } from 'zod';

/**
 * Robot web-service answers for failover IPs, validated with zod (snake_case as Robot sends it).
 * See https://robot.hetzner.com/doc/webservice/en.html#failover.
 */
export const failoverSchema = z.object({
  ip: z.string(),
  netmask: z.string(),
  server_ip: z.string(),
  server_ipv6_net: z.string().nullish(),
  server_number: z.number().int(),
  /** Where the address is routed now; null when it is not routed. */
  active_server_ip: z.string().nullable(),
});

export const failoverAnswer = z.object({ failover: failoverSchema });
export const failoverList = z.array(failoverAnswer);

/** `{"error":{"status","code","message", ...}}`; RATE_LIMIT_EXCEEDED adds `interval` (s) and `max_request`. */
export const robotErrorSchema = z.object({
  error: z.object({
    status: z.number().int().optional(),
    code: z.string(),
    message: z.string(),
    interval: z.number().optional(),
    max_request: z.number().optional(),
  }),
});

export type Failover = z.infer<typeof failoverSchema>;
export type RobotErrorBody = z.infer<typeof robotErrorSchema>['error'];
