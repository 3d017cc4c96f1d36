import { useEffect, useRef, useState } from 'react';
import { api, type TemplatePreview } from '../../api.js';
import { templateIssue, type TemplateIssue } from './issues.js';

export interface LivePreview {
  preview: TemplatePreview | null;
  issue: TemplateIssue | null;
  loading: boolean;
}

/**
 * POSTs `body` to `path` a moment after it stops changing (typing in the editor), and keeps the
 * last answer: a preview, or the problem with where it is. Answers to older drafts are dropped.
 * `body` null: nothing to preview (e.g. the sample data is not JSON yet); the caller says why.
 *
 * `preview` is the last render that worked: while `issue` is set it is of an earlier draft, and
 * the view must say so (PreviewPane does). It is kept rather than emptied so the admin still sees
 * what their last working version looked like.
 */
export function useLivePreview(path: string, body: unknown, delayMs = 350): LivePreview {
  const [state, setState] = useState<LivePreview>({ preview: null, issue: null, loading: true });
  const seq = useRef(0);
  const key = JSON.stringify(body);
  useEffect(() => {
    const mine = ++seq.current;
    // Nothing is asked: no spinner waits for an answer, and one still on its way (an older draft) is dropped.
    if (body === null) {
      setState((s) => ({ ...s, loading: false }));
      return;
    }
    setState((s) => ({ ...s, loading: true }));
    const timer = window.setTimeout(() => {
      api.post<TemplatePreview>(path, body).then(
        (preview) => mine === seq.current && setState({ preview, issue: null, loading: false }),
        (err: unknown) => mine === seq.current && setState((s) => ({ preview: s.preview, issue: templateIssue(err), loading: false })),
      );
    }, delayMs);
    return () => window.clearTimeout(timer);
    // The body's JSON is the dependency: a new object with the same content asks nothing again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, key, delayMs]);
  return state;
}
