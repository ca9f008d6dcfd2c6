import type { GatewayScope } from '../contracts/pyramid-config.ts';

/** Who sent a request: the name of the token it presented, and what that token may do. */
export type GatewayCaller = { name: string; scopes: readonly GatewayScope[] };
