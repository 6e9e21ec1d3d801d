import { silentLogger, type MediaLogger } from '../../logger';
import { defaultAnnouncedAddresses, hostCandidates, type IceCandidate } from './candidates';
import { DtlsCertificate } from './DtlsCertificate';
import { IceDtlsTransport, type RemoteIceDtlsParameters } from './IceDtlsTransport';
import type { IceProtocol } from './IcePath';
import { IceRegistry } from './IceRegistry';
import type { SrtpProfile } from './srtpProfiles';
import { TcpMux } from './TcpMux';
import { UdpMux } from './UdpMux';

export interface WorkerNetworkOptions {
  /** Address both sockets bind; default '0.0.0.0'. */
  bindAddress?: string;
  /** UDP port (e.g. CONFAB_RTC_PORT + worker index); default 0 = any free port. */
  udpPort?: number;
  /** ICE-TCP port; default 0 = any free port; null = no ICE-TCP. */
  tcpPort?: number | null;
  /** Addresses put in our candidates (e.g. CONFAB_PUBLIC_IP); default from the interfaces. */
  announcedAddresses?: readonly string[];
  /** RFC 7675 consent: a transport with no valid check for this long closes. Default 30 s. */
  consentTimeoutMs?: number;
  /** Default: generated (ECDSA P-256, self-signed). */
  certificate?: DtlsCertificate;
  srtpProfiles?: readonly SrtpProfile[];
  logger?: MediaLogger;
}

export interface CreateTransportOptions {
  /** The remote description's ICE ufrag and fingerprints, when the browser offered. */
  remote?: RemoteIceDtlsParameters;
  /** Which of our candidates to hand out (default both); the other port still answers checks. */
  protocols?: readonly IceProtocol[];
  /** Overrides the worker's consent timeout for this transport. */
  consentTimeoutMs?: number;
  label?: string;
}

export const DEFAULT_CONSENT_TIMEOUT_MS = 30_000;

/**
 * Everything one media worker listens with: one UDP socket and one ICE-TCP listener shared by
 * all its transports, the DTLS certificate, the candidates they announce. Creates the
 * IceDtlsTransports and closes them with itself.
 */
export class WorkerNetwork {
  private readonly transports = new Set<IceDtlsTransport>();
  private closing: Promise<void> | null = null;

  private constructor(
    readonly udp: UdpMux,
    readonly tcp: TcpMux | null,
    readonly registry: IceRegistry,
    readonly certificate: DtlsCertificate,
    readonly candidates: readonly IceCandidate[],
    private readonly options: WorkerNetworkOptions,
    private readonly logger: MediaLogger,
  ) {}

  static async open(options: WorkerNetworkOptions = {}): Promise<WorkerNetwork> {
    const logger = options.logger ?? silentLogger;
    const bindAddress = options.bindAddress ?? '0.0.0.0';
    const registry = new IceRegistry();
    const certificate = options.certificate ?? (await DtlsCertificate.generate());
    const udp = await UdpMux.open({ registry, bindAddress, port: options.udpPort ?? 0, logger });
    let tcp: TcpMux | null = null;
    try {
      if (options.tcpPort !== null) {
        tcp = await TcpMux.open({ registry, bindAddress, port: options.tcpPort ?? 0, logger });
      }
    } catch (err) {
      await udp.close();
      throw err;
    }
    const announced = options.announcedAddresses?.length
      ? options.announcedAddresses
      : defaultAnnouncedAddresses(bindAddress);
    const candidates = hostCandidates(announced, { udp: udp.port, tcp: tcp?.port ?? null });
    return new WorkerNetwork(udp, tcp, registry, certificate, candidates, options, logger);
  }

  get transportCount(): number {
    return this.transports.size;
  }

  createTransport(options: CreateTransportOptions = {}): IceDtlsTransport {
    if (this.closing) throw new Error('worker network is closed');
    const protocols = options.protocols ?? ['udp', 'tcp'];
    const transport = new IceDtlsTransport({
      registry: this.registry,
      certificate: this.certificate,
      candidates: this.candidates.filter((c) => protocols.includes(c.protocol)),
      consentTimeoutMs: options.consentTimeoutMs ?? this.options.consentTimeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS,
      srtpProfiles: this.options.srtpProfiles,
      remote: options.remote,
      label: options.label,
      logger: this.logger,
    });
    this.transports.add(transport);
    transport.once('closed', () => this.transports.delete(transport));
    return transport;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const transport of [...this.transports]) transport.close('closed', 'worker network closed');
      await Promise.all([this.udp.close(), this.tcp?.close()]);
    })();
    return this.closing;
  }
}
