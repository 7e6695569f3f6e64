/**
 * Who may log in: a name/password map, a custom function, anonymous access.
 *
 * @module
 */

import type { SocketAddress } from "@ftpkit/socket";
import type { Storage } from "./storage/types.ts";

/** What the server knows when a client logs in. */
export interface LoginAttempt {
  user: string;
  password: string;
  /** The client's address on the control connection. */
  remote: SocketAddress;
  /** True when the control connection speaks TLS. */
  secure: boolean;
}

/** A granted login: optionally its own storage and whether it may change anything. */
export interface LoginGrant {
  /** The storage this user sees instead of the server's. */
  storage?: Storage;
  /** Refuse every command that changes the storage (STOR, DELE, MKD, ...). Default false. */
  readOnly?: boolean;
}

/** The answer of an {@link Authenticate} function: false refuses, true or a grant admits. */
export type AuthenticateResult = boolean | LoginGrant;

/**
 * A custom check of a login. Called after PASS (and for anonymous names too, when
 * `anonymous` is off).
 *
 * @example
 * ```ts
 * const authenticate: Authenticate = ({ user, password }) => user === "ci" && password === process.env.PW;
 * ```
 */
export type Authenticate = (
  attempt: LoginAttempt,
) => AuthenticateResult | Promise<AuthenticateResult>;

/** One entry of the `users` option: a password, or a password with a grant. */
export type UserEntry = string | ({ password: string } & LoginGrant);

/** What the server's options say about logins. */
export interface AuthOptions {
  users?: Record<string, UserEntry>;
  authenticate?: Authenticate;
  /**
   * Let `anonymous` and `ftp` in with any password. `true` grants full access; pass
   * `{ readOnly: true }` to refuse changes. Default: on when neither `users` nor
   * `authenticate` is given, off otherwise.
   */
  anonymous?: boolean | LoginGrant;
}

/** Names that mean an anonymous login (RFC 1635). */
export function isAnonymousName(user: string): boolean {
  const lower = user.toLowerCase();
  return lower === "anonymous" || lower === "ftp";
}

/** Compares without an early exit, so the time taken does not tell how much matched. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** True when a USER name needs no password at all (anonymous logins still send one). */
export function anonymousAllowed(options: AuthOptions): LoginGrant | undefined {
  const anonymous =
    options.anonymous ?? (options.users === undefined && options.authenticate === undefined);
  if (anonymous === false) return undefined;
  return anonymous === true ? {} : anonymous;
}

/**
 * Checks a login against the options: anonymous first (when on), then `users`, then
 * `authenticate`. Resolves to the grant, or undefined when refused.
 */
export async function checkLogin(
  options: AuthOptions,
  attempt: LoginAttempt,
): Promise<LoginGrant | undefined> {
  if (isAnonymousName(attempt.user)) {
    const grant = anonymousAllowed(options);
    if (grant !== undefined) return grant;
  }
  const entry = options.users?.[attempt.user];
  if (entry !== undefined && Object.hasOwn(options.users ?? {}, attempt.user)) {
    const password = typeof entry === "string" ? entry : entry.password;
    if (sameSecret(password, attempt.password)) {
      return typeof entry === "string" ? {} : { storage: entry.storage, readOnly: entry.readOnly };
    }
  }
  if (options.authenticate !== undefined) {
    const result = await options.authenticate(attempt);
    if (result === true) return {};
    if (result !== false) return result;
  }
  return undefined;
}
