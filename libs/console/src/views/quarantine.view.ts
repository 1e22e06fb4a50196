import type { QuarantineRecord } from '@xietong/persistence';
import type { ConsoleContext } from '../console-context';
import { filterForm, layout, pager, select } from '../console-layout';
import { html, type Html } from '../html';
import { tr, word } from '../labels';
import { localTime } from './view-parts';

export interface QuarantineModel {
  filters: { reason?: string; replayed?: string };
  counts: { reasonCode: string; n: number }[];
  rows: QuarantineRecord[];
  page: number;
  hasMore: boolean;
  query: Record<string, string>;
}

/** 隔离区: refused records with reason code, dead-letter and replay state. */
export function quarantineView(c: ConsoleContext, m: QuarantineModel): Html {
  const l = c.lang;
  const body = html` <p>
      ${m.counts.map((r) => html`<span class="badge" data-reason="${r.reasonCode}">${r.reasonCode}${tr(l, '：', ': ')}${r.n}</span> `)}
    </p>
    ${filterForm(c, [
      select(
        'reason',
        tr(l, '原因代码', 'Reason code'),
        m.counts.map((r) => [r.reasonCode, r.reasonCode]),
        m.filters.reason,
      ),
      select(
        'replayed',
        tr(l, '重放状态', 'Replay'),
        [
          ['no', tr(l, '未重放', 'not replayed')],
          ['yes', tr(l, '已重放', 'replayed')],
        ],
        m.filters.replayed,
      ),
    ])}
    <table id="quarantine">
      <thead>
        <tr>
          <th>${tr(l, '编号', 'Id')}</th>
          <th>${tr(l, '原因代码', 'Reason code')}</th>
          <th>${tr(l, '原因', 'Reason')}</th>
          <th>${tr(l, '声称发送方', 'Claimed sender')}</th>
          <th>${tr(l, '类型', 'Type')}</th>
          <th>${tr(l, '接收时间', 'Received')}</th>
          <th>${tr(l, '死信', 'Dead letter')}</th>
          <th>${tr(l, '重放', 'Replay')}</th>
        </tr>
      </thead>
      <tbody>
        ${m.rows.map(
          (r) =>
            html`<tr data-id="${r.id}">
              <td><a href="/console/auditor/quarantine/${r.id}">${r.id}</a></td>
              <td>${r.reasonCode}</td>
              <td>${r.reason}</td>
              <td>${r.claimedSender ? c.name(r.claimedSender) : tr(l, '未知', 'unknown')}</td>
              <td>${word(r.type, l)}</td>
              <td>${localTime(r.receivedAt)}</td>
              <td>${deadLetter(c, r)}</td>
              <td>${replayState(c, r)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${m.rows.length === 0 ? html`<p class="muted">${tr(l, '隔离区为空', 'The quarantine is empty')}</p>` : ''}
    ${pager(c, m.query, m.page, m.hasMore)}`;
  return layout(c, tr(l, '隔离区', 'Quarantine'), body);
}

/** One quarantined record: where it came from, its headers and its first bytes. */
export function quarantinedView(c: ConsoleContext, r: QuarantineRecord): Html {
  const l = c.lang;
  const unknown = tr(l, '未知', 'unknown');
  const props: [string, unknown][] = [
    [tr(l, '原因代码', 'Reason code'), r.reasonCode],
    [tr(l, '原因', 'Reason'), r.reason],
    [
      tr(l, '声称发送方', 'Claimed sender'),
      r.claimedSender
        ? `${c.name(r.claimedSender)}${tr(l, `（${r.claimedSender}）`, ` (${r.claimedSender})`)}`
        : unknown,
    ],
    [tr(l, '报文编号', 'Message id'), r.messageId ?? unknown],
    [tr(l, '报文类型', 'Message type'), word(r.type, l) || unknown],
    [
      tr(l, '位置', 'Position'),
      tr(
        l,
        `${r.topic} / 分区 ${r.partition} / 偏移 ${r.offset}`,
        `${r.topic} / partition ${r.partition} / offset ${r.offset}`,
      ),
    ],
    [tr(l, '记录键', 'Record key'), r.recordKey ?? ''],
    [tr(l, '接收时间', 'Received'), localTime(r.receivedAt)],
    [tr(l, '死信', 'Dead letter'), deadLetter(c, r)],
    [tr(l, '重放状态', 'Replay'), replayState(c, r)],
    [
      tr(l, '记录大小', 'Record size'),
      r.value ? tr(l, `${r.value.length} 字节`, `${r.value.length} bytes`) : tr(l, '无内容', 'empty'),
    ],
  ];
  const headers = Object.entries(parseHeaders(r.headers))
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  const hex = r.value
    ? r.value
        .subarray(0, 512)
        .toString('hex')
        .replace(/(.{64})/g, '$1\n')
    : '';
  const body = html`<dl class="props" id="quarantine-detail">
      ${props.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd>${String(v)}</dd>`,
      )}
    </dl>
    <h2>${tr(l, '记录头', 'Headers')}</h2>
    <pre>${headers}</pre>
    <h2>${tr(l, '记录内容（十六进制，前 512 字节）', 'Record value (hexadecimal, first 512 bytes)')}</h2>
    <pre>${hex}</pre>
    <p><a href="/console/auditor/quarantine">${tr(l, '返回隔离区', 'Back to the quarantine')}</a></p>`;
  return layout(c, tr(l, `隔离记录 ${r.id}`, `Quarantined record ${r.id}`), body);
}

function deadLetter(c: ConsoleContext, r: QuarantineRecord): string {
  return r.deadLettered ? tr(c.lang, '已转死信', 'sent to dead letter') : tr(c.lang, '待转死信', 'dead letter pending');
}

function replayState(c: ConsoleContext, r: QuarantineRecord): string {
  if (!r.replayedAt) return tr(c.lang, '未重放', 'not replayed');
  return tr(
    c.lang,
    `已重放（${localTime(r.replayedAt)}，${r.replayedBy ?? ''}）`,
    `replayed (${localTime(r.replayedAt)}, ${r.replayedBy ?? ''})`,
  );
}

function parseHeaders(json: string): Record<string, string> {
  try {
    return JSON.parse(json) as Record<string, string>;
  } catch {
    return {};
  }
}
