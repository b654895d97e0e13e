// The changelog page: one card per version with each message's change and the gates' verdict.
// It renders what changelog.ts found; it never judges compatibility itself.
import type { Contract } from '../../codegen/contract.ts';
import type { Changelog, ChangeFinding, ChangelogSection, MessageChange } from '../changelog.ts';
import { html, type SafeHtml } from '../html.ts';
import { messagePath, type PortalPage } from '../layout.ts';

const verdictBadge: Record<ChangelogSection['verdict'], SafeHtml> = {
  initial: html`<span class="badge badge-info">first version</span>`,
  compatible: html`<span class="badge badge-compatible">compatible</span>`,
  breaking: html`<span class="badge badge-breaking">breaking</span>`,
  unchanged: html`<span class="badge badge-info">no contract change</span>`,
};

function findingList(findings: ChangeFinding[]): SafeHtml {
  if (findings.length === 0) return html``;
  return html`<ul class="findings">${findings.map(
    (f) => html`<li><span class="badge ${f.severity === 'error' ? 'badge-breaking' : 'badge-info'}">${f.severity}</span> <code>${f.code}</code> ${f.text}</li>`,
  )}</ul>`;
}

function messageRow(contract: Contract, change: MessageChange, initial: boolean): SafeHtml {
  const exists = contract.messages.some((m) => m.name === change.message);
  const name = exists ? html`<a href="${messagePath(change.message)}">${change.message}</a>` : html`${change.message}`;
  const verdict = initial
    ? html``
    : change.compatible
      ? html`<span class="badge badge-compatible">compatible</span>`
      : html`<span class="badge badge-breaking">breaking</span>`;
  const fp = change.fingerprint;
  const fingerprint = fp.before && fp.after && fp.before !== fp.after
    ? html`<code>${fp.before}</code> → <code>${fp.after}</code>`
    : html`<code>${fp.after ?? fp.before ?? ''}</code>`;
  const fields = [
    ...change.fieldsAdded.map((f) => html`<span class="badge badge-compatible">+ ${f}</span> `),
    ...change.fieldsRemoved.map((f) => html`<span class="badge badge-breaking">− ${f}</span> `),
  ];
  const quiet = !initial && change.change === 'changed' && fields.length === 0 && change.findings.length === 0
    ? html`<span class="note">The payload schema changed (in a type it uses); the gates found nothing incompatible.</span>`
    : html``;
  return html`<tr data-message="${change.message}" data-change="${change.change}"><td>${name}</td><td><span class="badge badge-info">${change.change}</span> ${verdict}</td><td>${fingerprint}</td><td>${fields}${quiet}${findingList(change.findings)}</td></tr>`;
}

function section(contract: Contract, s: ChangelogSection): SafeHtml {
  const shown = s.verdict === 'initial' ? s.messages : s.messages.filter((m) => m.change !== 'unchanged');
  return html`<section class="panel" id="${s.id}" data-testid="changelog-section">
<h2 style="margin-top:0">${s.title} ${verdictBadge[s.verdict]}</h2>
<p class="note">${s.since ? html`Compared with <b>${s.since}</b>` : 'The first version with a contract'}${s.date ? html` · ${s.date}` : ''}</p>
${shown.length > 0 ? html`<table><thead><tr><th>Message</th><th>Change</th><th>Fingerprint</th><th>Details</th></tr></thead><tbody>${shown.map((m) => messageRow(contract, m, s.verdict === 'initial'))}</tbody></table>` : html`<p>No message changed.</p>`}
${s.otherFindings.length > 0 ? html`<h3>Other changes</h3>${findingList(s.otherFindings)}` : ''}
${s.commits.length > 0 ? html`<h3>Commits touching the contract</h3><ul class="change-list">${s.commits.map((c) => html`<li><code>${c.hash}</code> ${c.subject}</li>`)}</ul>` : ''}
${s.notes.map((n) => html`<p class="note">${n}</p>`)}
</section>`;
}

export function changelogPage(contract: Contract, changelog: Changelog): PortalPage {
  const body = html`
<p class="eyebrow">Changelog</p>
<h1>What changed, and was it compatible?</h1>
<p class="lead">Each release tag (<code>v*</code>) compared with the one before, then <code>main</code> since the last tag, then the checked-out branch's commits since <code>main</code>, then uncommitted changes. The verdicts are those of <code>herald check</code>: <code>buf breaking</code> on the payloads and Herald's AsyncAPI diff on channels, messages and headers. Field lists are shown for reading only.</p>
${changelog.notes.map((n) => html`<p class="note">${n}</p>`)}
${changelog.sections.map((s) => section(contract, s))}`;
  return { path: 'changelog.html', title: 'Changelog', active: 'changelog.html', body };
}
