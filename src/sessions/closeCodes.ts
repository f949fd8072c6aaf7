/**
 * Maps how a session ended to the error the worker rejects with: this is where "retry or not"
 * is decided for every close code of the protocol.
 */
import { CloseCode } from '../protocol/protocol.js';
import {
  AccountBannedError,
  ConnectError,
  CredentialsRejectedError,
  ProtocolViolationError,
  SessionClosedError,
} from './errors.js';

/** Where a session was when its socket closed. @example `const p: SessionPhase = 'live';` */
export type SessionPhase = 'connecting' | 'registering' | 'live' | 'closing';

/**
 * The error for a close the worker did not ask for.
 *
 * | close | error | retryable |
 * |---|---|---|
 * | 4001 | `CredentialsRejectedError` | no |
 * | 4003 | `AccountBannedError` | no |
 * | 4002 | `ProtocolViolationError` | no |
 * | before the socket opened | `ConnectError` | yes |
 * | anything else (1000, 1001, 1006, 4000, 4008, …) | `SessionClosedError` | yes |
 *
 * @example
 * ```ts
 * errorForClose(4003, 'banned', 'registering', undefined) instanceof AccountBannedError; // true: never retried
 * ```
 */
export function errorForClose(code: number, reason: string, phase: SessionPhase, socketError: Error | undefined): Error {
  switch (code) {
    case CloseCode.credentialsRejected:
      return new CredentialsRejectedError();
    case CloseCode.accountBanned:
      return new AccountBannedError();
    case CloseCode.protocolError:
      return new ProtocolViolationError(reason.slice(0, 123));
    default:
      if (phase === 'connecting') return new ConnectError(socketError ?? `closed with code ${code}`);
      return new SessionClosedError(code, reason.slice(0, 123));
  }
}
