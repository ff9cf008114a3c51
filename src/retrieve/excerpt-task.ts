/** Worker task of `writeExcerpts`: decode, cut and encode one excerpt; the caller writes it. */
import { cutExcerpt, type ExcerptBytes, type ExcerptJob } from './excerpt.js';

export default function cut(job: ExcerptJob): Promise<ExcerptBytes> {
  return cutExcerpt(job.src, job.options);
}
