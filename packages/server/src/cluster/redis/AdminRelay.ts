import { ErrorCode, ProtocolError } from '@confab/protocol';
import type { Logger } from '../../service/logger';
import { toProtocolError } from '../../service/errors';
import { AdminOp } from '../adminOps';
import type { NodeInstance } from './nodeIds';
import type { RelayBus } from './RelayBus';
import type { RelayItemOf } from './relayMessages';

/**
 * Carries admin API calls between nodes: `call` asks another node to run one and waits for its
 * answer; `receive` runs the calls other nodes send here (with `run`) and answers them.
 */
export class AdminRelay {
  private nextCall = 0;
  private readonly pending = new Map<number, (reply: RelayItemOf<'admin_reply'> | undefined) => void>();

  constructor(
    private readonly bus: RelayBus,
    private readonly run: (op: AdminOp) => Promise<unknown>,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async call(to: NodeInstance, op: AdminOp): Promise<unknown> {
    const call = ++this.nextCall;
    const answer = new Promise<RelayItemOf<'admin_reply'> | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.timeoutMs);
      this.pending.set(call, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
    if (!(await this.bus.post(to, { kind: 'admin_call', call, op: JSON.stringify(op) }))) this.pending.get(call)?.(undefined);
    const reply = await answer;
    this.pending.delete(call);
    if (!reply) throw ProtocolError.unavailable('the server hosting this room did not answer; try again');
    if (!reply.ok) throw new ProtocolError((reply.code ?? ErrorCode.Internal) as ErrorCode, reply.message ?? 'failed');
    return reply.result === undefined ? undefined : JSON.parse(reply.result);
  }

  receive(from: NodeInstance, item: RelayItemOf<'admin_call' | 'admin_reply'>): void {
    if (item.kind === 'admin_reply') return this.pending.get(item.call)?.(item);
    let op: AdminOp;
    try {
      op = AdminOp.parse(JSON.parse(item.op));
    } catch {
      this.logger.warn({ from }, 'relay: dropped an invalid admin call');
      return void this.bus.post(from, { kind: 'admin_reply', call: item.call, ok: false, code: ErrorCode.InvalidArgument, message: 'invalid admin call' });
    }
    this.run(op).then(
      (result) => void this.bus.post(from, { kind: 'admin_reply', call: item.call, ok: true, ...(result === undefined ? {} : { result: JSON.stringify(result) }) }),
      (error: unknown) => {
        const wire = toProtocolError(error);
        if (wire.code === ErrorCode.Internal) this.logger.error({ err: error, op: op.op }, 'admin call failed');
        void this.bus.post(from, { kind: 'admin_reply', call: item.call, ok: false, code: wire.code, message: wire.message });
      },
    );
  }
}
