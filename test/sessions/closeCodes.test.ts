import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/protocol/protocol.js';
import { errorForClose, type SessionPhase } from '../../src/sessions/closeCodes.js';
import {
  AccountBannedError,
  ConnectError,
  CredentialsRejectedError,
  ProtocolViolationError,
  SessionClosedError,
} from '../../src/sessions/errors.js';

// The close-code table on its own: the simulator never sends some of these codes (4002, a close
// before the socket opened without a socket error), yet each decides whether an account is
// restarted or suspended.

const phases: SessionPhase[] = ['connecting', 'registering', 'live', 'closing'];

describe('errorForClose: retry or not, for every close code', () => {
  it('4001, 4003 and 4002 are not retryable in any phase', () => {
    for (const phase of phases) {
      const rejected = errorForClose(CloseCode.credentialsRejected, 'bad token', phase, undefined);
      expect(rejected, phase).toBeInstanceOf(CredentialsRejectedError);
      const banned = errorForClose(CloseCode.accountBanned, 'banned', phase, undefined);
      expect(banned, phase).toBeInstanceOf(AccountBannedError);
      const violation = errorForClose(CloseCode.protocolError, 'unknown frame "x"', phase, undefined);
      expect(violation, phase).toBeInstanceOf(ProtocolViolationError);
      expect(violation).toMatchObject({ code: 'PROTOCOL_VIOLATION', reason: 'unknown frame "x"', retryable: false });
      for (const e of [rejected, banned]) expect(e).toMatchObject({ retryable: false });
    }
  });

  it('any other code after the socket opened is a retryable SessionClosedError with the code and reason', () => {
    for (const phase of ['registering', 'live', 'closing'] as const) {
      for (const code of [CloseCode.normal, CloseCode.goingAway, CloseCode.abnormal, CloseCode.serverDrop, 4008, 4999]) {
        const e = errorForClose(code, 'server restart', phase, new Error('ignored once open'));
        expect(e, `${phase} ${code}`).toBeInstanceOf(SessionClosedError);
        expect(e).toMatchObject({ closeCode: code, reason: 'server restart', retryable: true });
      }
    }
  });

  it('before the socket opened: a retryable ConnectError, with the socket error as cause, else naming the close code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const withCause = errorForClose(CloseCode.abnormal, '', 'connecting', refused);
    expect(withCause).toBeInstanceOf(ConnectError);
    expect(withCause).toMatchObject({ code: 'CONNECT_FAILED', retryable: true, cause: refused });
    expect(withCause.message).toContain('ECONNREFUSED');

    const bare = errorForClose(CloseCode.abnormal, '', 'connecting', undefined);
    expect(bare).toBeInstanceOf(ConnectError);
    expect(bare.message).toBe('The WebSocket could not connect (closed with code 1006).');
  });

  it('keeps a reason to the 123 bytes a close frame can carry', () => {
    const long = 'r'.repeat(200);
    expect((errorForClose(CloseCode.protocolError, long, 'live', undefined) as ProtocolViolationError).reason).toBe('r'.repeat(123));
    expect((errorForClose(CloseCode.serverDrop, long, 'live', undefined) as SessionClosedError).reason).toBe('r'.repeat(123));
  });
});
