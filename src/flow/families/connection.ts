import type { Packet } from '../../model';
import type { TraceContext } from '../context';
import { packetTime } from '../correlate/packetKey';
import type { FlowPhase } from '../types';

/**
 * What the captures say about the conversation as a whole: handshake, data, teardown,
 * resets, retransmissions, ICMP errors. One note per fact, on the client's lifeline.
 */
export function connectionNotes(
  ctx: TraceContext,
  phase: FlowPhase,
  clientActor: string,
  clientIp: string | undefined,
  serverIp: string | undefined,
  port?: number,
): void {
  if (!clientIp || !serverIp) return;
  const conns = ctx.corr.connections.filter(
    (tcpConnection) =>
      tcpConnection.client?.startsWith(`${clientIp}:`) &&
      tcpConnection.server?.startsWith(`${serverIp}:`) &&
      (port === undefined || tcpConnection.server === `${serverIp}:${port}`),
  );
  const note = (label: string, explanation: string, ps: Packet[]) =>
    ctx.b.step(phase, {
      from: clientActor,
      to: clientActor,
      kind: 'note',
      label,
      explanation,
      evidence: ps.slice(0, 3).flatMap((packet) => packet.evidence),
      time: ps[0] ? packetTime(ps[0]) : undefined,
    });
  for (const c of conns.slice(0, 3)) {
    if (c.syn && c.synAck && c.ack)
      note(`TCP ${c.client ?? clientIp} → ${c.server ?? serverIp}: handshake complete`, 'SYN, SYN-ACK, ACK all seen.', [
        c.syn,
        c.synAck,
        c.ack,
      ]);
    else if (c.syn && !c.synAck && !c.rsts.length) {
      // Another form of the same connection (the pod's own address) may have answered instead; the
      // client's RST to it proves the client got that answer.
      const elsewhere = ctx.corr.connections.find(
        (tcpConnection) =>
          tcpConnection !== c &&
          tcpConnection.synAck &&
          tcpConnection.rsts.some((packet) => packet.src?.ip === clientIp),
      );
      const answer = elsewhere?.synAck;
      if (elsewhere && answer)
        note(
          `TCP ${c.client ?? clientIp} → ${c.server ?? serverIp}: answered from ${answer.src?.ip ?? 'another address'}`,
          `The SYN-ACK came back from ${answer.src?.ip ?? 'another address'}:${answer.src?.port ?? ''}, not from ${c.server ?? serverIp}, the address the client called: the reply was not translated back, and the client reset it.`,
          [answer, ...elsewhere.rsts],
        );
      else
        note(
          `TCP ${c.client ?? clientIp} → ${c.server ?? serverIp}: no SYN-ACK`,
          `The SYN got no answer${c.retransmissions.length ? ` and was retransmitted ${c.retransmissions.length} time(s)` : ''}: something drops it (a firewall, a NetworkPolicy, a dead pod).`,
          [c.syn, ...c.retransmissions],
        );
    }
    if (c.rsts.length)
      note(
        `TCP ${c.server ?? serverIp} reset the connection`,
        c.synAck
          ? 'RST after the connection was set up: the server or a middlebox aborted it.'
          : 'RST in answer to the SYN: nothing listens on that port (connection refused).',
        c.rsts,
      );
    if (c.fins.length >= 2)
      note(
        `TCP closed: FIN both ways`,
        `${c.dataPackets} segment(s) carried data before the orderly teardown.`,
        c.fins,
      );
    if (c.retransmissions.length && c.synAck)
      note(
        `${c.retransmissions.length} retransmission(s)`,
        'The same segment was sent again later: it or its ACK was lost.',
        c.retransmissions,
      );
  }
  const errors = ctx.corr.icmpErrors.filter(
    (icmpError) =>
      icmpError.packet.dst?.ip === clientIp &&
      (icmpError.packet.src?.ip === serverIp || (icmpError.packet.icmp?.detail ?? icmpError.type).includes(serverIp)),
  );
  if (errors.length)
    note(
      `ICMP ${errors[0].type}`,
      `${errors[0].packet.src?.ip ?? 'A router'} answered with an ICMP error instead of the expected reply.`,
      errors.map((icmpError) => icmpError.packet),
    );
}
