import {
  sampleAssistanceReply,
  sampleAssistanceRequest,
  sampleComplaint,
  sampleComplaintResult,
  sampleDisposal,
  sampleFeedback,
  sampleLead,
} from '@xietong/contracts';

export interface Submission {
  from: string;
  to: string;
  kind: 'leads' | 'case-results' | 'complaints' | 'complaint-results' | 'assistance-requests' | 'assistance-replies';
  body: Record<string, unknown>;
}

export const JINGDE = '341825';
export const HANGZHOU = '330100';
export const NANJING = '320100';
export const AGENCIES = [JINGDE, HANGZHOU, NANJING];

const SHORT: Record<string, string> = { [HANGZHOU]: '杭', [NANJING]: '宁' };

/** 旌德 transfers leads and complaints to 杭州 and 南京; 杭州 also transfers a few leads to 南京. */
export function transfers(leads: number, complaints: number): Submission[] {
  const out: Submission[] = [];
  for (const to of [HANGZHOU, NANJING]) {
    for (let i = 1; i <= leads; i++) out.push({ from: JINGDE, to, kind: 'leads', body: sampleLead(leadNo(to, i), i) });
    for (let i = 1; i <= complaints; i++)
      out.push({ from: JINGDE, to, kind: 'complaints', body: sampleComplaint(complaintNo(to, i), i) });
  }
  for (let i = 1; i <= Math.ceil(leads / 4); i++)
    out.push({
      from: HANGZHOU,
      to: NANJING,
      kind: 'leads',
      body: sampleLead(`HZ-2026-${String(i).padStart(4, '0')}`, i),
    });
  return out;
}

/** The partners answer: verification feedback (case opened) per lead and a result per complaint. */
export function feedback(leads: number, complaints: number): Submission[] {
  const out: Submission[] = [];
  for (const from of [HANGZHOU, NANJING]) {
    for (let i = 1; i <= leads; i++)
      out.push({
        from,
        to: JINGDE,
        kind: 'case-results',
        body: sampleFeedback(leadNo(from, i), `${SHORT[from]}市监立〔2026〕${i}号`),
      });
    for (let i = 1; i <= complaints; i++)
      out.push({ from, to: JINGDE, kind: 'complaint-results', body: sampleComplaintResult(complaintNo(from, i)) });
  }
  return out;
}

/**
 * Then the disposal result that closes each lead's case (the lifecycle refuses it before the
 * feedback), and the result that closes the first half of the complaints (their personal data then
 * falls to retention once its period has passed).
 */
export function disposals(leads: number, complaints = 0): Submission[] {
  const out: Submission[] = [];
  for (const from of [HANGZHOU, NANJING]) {
    for (let i = 1; i <= leads; i++)
      out.push({
        from,
        to: JINGDE,
        kind: 'case-results',
        body: sampleDisposal(leadNo(from, i), `${SHORT[from]}市监处罚〔2026〕${i}号`),
      });
    for (let i = 1; i <= Math.ceil(complaints / 2); i++)
      out.push({
        from,
        to: JINGDE,
        kind: 'complaint-results',
        body: { ...sampleComplaintResult(complaintNo(from, i)), status: 'CLOSED', note: '已办结。' },
      });
  }
  return out;
}

/** 协查: 旌德 asks 杭州 to verify two subjects for a lead it investigates; the second goes unanswered. */
export const ASSISTANCE_REQUESTS = ['JDXC-2026-0001', 'JDXC-2026-0002'];

export function assistanceRequests(requestedBy: string): Submission[] {
  return ASSISTANCE_REQUESTS.map((no, i) => ({
    from: JINGDE,
    to: HANGZHOU,
    kind: 'assistance-requests',
    body: sampleAssistanceRequest(no, leadNo(HANGZHOU, 1), requestedBy, i),
  }));
}

/** 杭州 answers the first request, with its findings and the evidence digests. */
export function assistanceReplies(): Submission[] {
  return [
    { from: HANGZHOU, to: JINGDE, kind: 'assistance-replies', body: sampleAssistanceReply(ASSISTANCE_REQUESTS[0]) },
  ];
}

const leadNo = (to: string, i: number) => `JD-${to}-2026-${String(i).padStart(4, '0')}`;
const complaintNo = (to: string, i: number) => `JDTS-${to}-2026-${String(i).padStart(4, '0')}`;
