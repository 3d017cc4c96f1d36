import type { MtaStsPolicy } from '../../core/direct/mta-sts.js';
import type { Answer } from './exchanger-lookup.js';

/** A recipient domain's MTA-STS policy: undefined value when it publishes none. */
export interface MtaStsSource {
  policyFor(domain: string): Promise<Answer<MtaStsPolicy | undefined>>;
}
