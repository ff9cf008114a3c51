/** Worker task of the twin: one subject (see `synthesizeSubject`) → its ROI summary. */
import { type RoiSummary, type SubjectJob, synthesizeSubject } from './subject.js';

export default function subject(job: SubjectJob): Promise<RoiSummary[]> {
  return synthesizeSubject(job);
}
