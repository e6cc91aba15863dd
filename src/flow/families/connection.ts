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
  ends: { clientActor: string; clientIp: string | undefined; serverIp: string | undefined; port?: number },
): void {
  const { clientActor, clientIp, serverIp, port } = ends;
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
  for (const connection of conns.slice(0, 3)) {
    if (connection.syn && connection.synAck && connection.ack)
      note(
        `TCP ${connection.client ?? clientIp} → ${connection.server ?? serverIp}: handshake complete`,
        'SYN, SYN-ACK, ACK all seen.',
        [connection.syn, connection.synAck, connection.ack],
      );
    else if (connection.syn && !connection.synAck && !connection.rsts.length) {
      // Another form of the same connection (the pod's own address) may have answered instead; the
      // client's RST to it proves the client got that answer.
      const elsewhere = ctx.corr.connections.find(
        (tcpConnection) =>
          tcpConnection !== connection &&
          tcpConnection.synAck &&
          tcpConnection.rsts.some((packet) => packet.src?.ip === clientIp),
      );
      const answer = elsewhere?.synAck;
      if (elsewhere && answer)
        note(
          `TCP ${connection.client ?? clientIp} → ${connection.server ?? serverIp}: answered from ` +
            `${answer.src?.ip ?? 'another address'}`,
          `The SYN-ACK came back from ${answer.src?.ip ?? 'another address'}:${answer.src?.port ?? ''}, not ` +
            `from ${connection.server ?? serverIp}, the address the client called: the reply was not ` +
            'translated back, and the client reset it.',
          [answer, ...elsewhere.rsts],
        );
      else
        note(
          `TCP ${connection.client ?? clientIp} → ${connection.server ?? serverIp}: no SYN-ACK`,
          'The SYN got no answer' +
            (connection.retransmissions.length
              ? ` and was retransmitted ${connection.retransmissions.length} time(s)`
              : '') +
            ': something drops it (a firewall, a NetworkPolicy, a dead pod).',
          [connection.syn, ...connection.retransmissions],
        );
    }
    if (connection.rsts.length)
      note(
        `TCP ${connection.server ?? serverIp} reset the connection`,
        connection.synAck
          ? 'RST after the connection was set up: the server or a middlebox aborted it.'
          : 'RST in answer to the SYN: nothing listens on that port (connection refused).',
        connection.rsts,
      );
    if (connection.fins.length >= 2)
      note(
        `TCP closed: FIN both ways`,
        `${connection.dataPackets} segment(s) carried data before the orderly teardown.`,
        connection.fins,
      );
    if (connection.retransmissions.length && connection.synAck)
      note(
        `${connection.retransmissions.length} retransmission(s)`,
        'The same segment was sent again later: it or its ACK was lost.',
        connection.retransmissions,
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
