import { z } from 'zod';

/**
 * The parts of Hetzner Cloud API answers the adapters rely on, validated with zod. Objects are not
 * strict: fields we do not read may come and go without breaking us; fields we do read must be
 * there with the right type, or the answer is refused with a message naming the field.
 * Shapes keep the API's snake_case so they read like https://docs.hetzner.cloud.
 */
const id = z.number().int().positive();

export const errorEnvelopeSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const paginationSchema = z.object({
  page: z.number().int(),
  per_page: z.number().int(),
  previous_page: z.number().int().nullable(),
  next_page: z.number().int().nullable(),
  last_page: z.number().int().nullable(),
  total_entries: z.number().int().nullable(),
});

export const actionSchema = z.object({
  id,
  command: z.string(),
  status: z.enum(['running', 'success', 'error']),
  progress: z.number(),
  started: z.string(),
  finished: z.string().nullable(),
  resources: z.array(z.object({ id, type: z.string() })),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const locationSchema = z.object({ id, name: z.string(), network_zone: z.string() });

export const floatingIpSchema = z.object({
  id,
  name: z.string(),
  description: z.string().nullable(),
  ip: z.string(),
  type: z.enum(['ipv4', 'ipv6']),
  server: id.nullable(),
  home_location: locationSchema,
  blocked: z.boolean(),
  protection: z.object({ delete: z.boolean() }),
  labels: z.record(z.string(), z.string()),
});

export const privateNetSchema = z.object({
  network: id,
  ip: z.string(),
  alias_ips: z.array(z.string()),
  mac_address: z.string(),
});

export const serverSchema = z.object({
  id,
  name: z.string(),
  status: z.string(),
  public_net: z.object({
    ipv4: z.object({ ip: z.string() }).nullable(),
    ipv6: z.object({ ip: z.string() }).nullable(),
    floating_ips: z.array(id),
  }),
  private_net: z.array(privateNetSchema),
  datacenter: z.object({ name: z.string(), location: locationSchema }),
  locked: z.boolean(),
});

export const networkSchema = z.object({
  id,
  name: z.string(),
  ip_range: z.string(),
  subnets: z.array(
    z.object({ type: z.string(), ip_range: z.string(), network_zone: z.string(), gateway: z.string().nullish() }),
  ),
  servers: z.array(id),
});

const meta = z.object({ pagination: paginationSchema });

export const floatingIpAnswer = z.object({ floating_ip: floatingIpSchema });
export const floatingIpPage = z.object({ floating_ips: z.array(floatingIpSchema), meta });
export const actionAnswer = z.object({ action: actionSchema });
export const serverAnswer = z.object({ server: serverSchema });
export const serverPage = z.object({ servers: z.array(serverSchema), meta });
export const networkAnswer = z.object({ network: networkSchema });

export type Action = z.infer<typeof actionSchema>;
export type FloatingIp = z.infer<typeof floatingIpSchema>;
export type Server = z.infer<typeof serverSchema>;
export type PrivateNet = z.infer<typeof privateNetSchema>;
export type Network = z.infer<typeof networkSchema>;
export type Pagination = z.infer<typeof paginationSchema>;
