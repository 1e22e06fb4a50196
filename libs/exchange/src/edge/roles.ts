import { SetMetadata } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';

export const ROLES = ['submitter', 'handler', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLES_KEY = 'xietong:roles';
export const PUBLIC_KEY = 'xietong:public';

/** Roles allowed to call a handler (any of them). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A handler that needs no token (health checks, the API description). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The authenticated caller, from the verified bearer token. */
export interface Caller {
  subject: string;
  roles: Role[];
  /** Remote address the request came from. */
  ip: string;
}

/** For handlers whose required role depends on the request (the kind of message submitted). */
export function requireRole(caller: Caller, role: Role, what: string): void {
  if (!caller.roles.includes(role) && !caller.roles.includes('admin')) {
    throw new DomainError(
      'FORBIDDEN',
      `${what} needs the ${role} role; the token has ${caller.roles.join(', ') || 'no roles'}`,
    );
  }
}
