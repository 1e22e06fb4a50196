/**
 * Realistic example bodies of each business message, as a county system would submit them.
 * Used by the demo, the documentation's worked example and the tests.
 */

const STORES = [
  {
    store: '优选家居旗舰店',
    operator: '杭州优选家居用品有限公司',
    uscc: '91330100799655058B',
    address: '杭州市西湖区文三路90号',
    code: '330106',
    platform: '某电商平台',
  },
  {
    store: '江南茶叶专营店',
    operator: '南京江南茶业有限公司',
    uscc: '91350200776049653A',
    address: '南京市玄武区中山路18号',
    code: '320102',
    platform: '某直播平台',
  },
  {
    store: '皖南山货小店',
    operator: '旌德县某农产品经营部',
    uscc: '914403001922038216',
    address: '旌德县旌阳镇文昌路8号',
    code: '341825',
    platform: '某社区团购平台',
  },
];

const CATEGORIES = ['ADVERTISING', 'PRICING', 'PRODUCT_QUALITY', 'FOOD', 'CONSUMER_RIGHTS', 'INTELLECTUAL_PROPERTY'];

export function sampleLead(leadNo: string, i = 0, at = new Date('2026-11-20T02:00:00Z')): Record<string, unknown> {
  const s = STORES[i % STORES.length];
  return {
    leadNo,
    source: i % 2 === 0 ? 'ONLINE_MONITORING' : 'COMPLAINT',
    riskTier: ['KEY', 'WARNING', 'GENERAL'][i % 3],
    subject: {
      platformName: s.platform,
      storeName: s.store,
      storeUrl: `https://shop.example.cn/${1000 + i}`,
      operatorName: s.operator,
      operatorUscc: s.uscc,
      registeredAddress: { address: s.address, divisionCode: s.code },
      actualAddress: { address: s.address, divisionCode: s.code },
    },
    allegation: {
      category: CATEGORIES[i % CATEGORIES.length],
      legalBasis: [{ law: '中华人民共和国电子商务法', article: '第十七条' }],
      facts: `网络监测发现该店铺商品详情页存在涉嫌虚假宣传的用语（样本 ${i}）。`,
    },
    evidence: [
      {
        kind: 'screenshot',
        uri: `evidence://jingde/${leadNo}/1.png`,
        digest: 'sha256:9f2c3e1b6d0a4f8e7c5b3a29d1e0f4c6b8a7d5e3c1b9f0a2d4e6c8b0a1f3e5d7',
        capturedAt: at.toISOString(),
      },
    ],
    jurisdictionBasis: 'ACTUAL_PLACE_OF_BUSINESS',
    replyDue: '2026-12-01',
  };
}

export function sampleFeedback(leadNo: string, caseNo: string): Record<string, unknown> {
  return {
    leadNo,
    stage: 'VERIFICATION_FEEDBACK',
    feedback: {
      status: 'CASE_OPENED',
      caseNo,
      openedAt: '2026-11-24',
      caseDue: '2027-02-22',
      note: '经核查，线索基本属实，已立案调查。',
    },
  };
}

export function sampleDisposal(leadNo: string, decisionNo: string): Record<string, unknown> {
  return {
    leadNo,
    stage: 'DISPOSAL',
    disposal: {
      decisionNo,
      decisionDate: '2026-11-26',
      penalties: ['WARNING', 'FINE'],
      fineFen: 500000,
      confiscatedFen: 0,
      publicity: 'PENDING',
      closedAt: '2026-11-26T08:00:00.000Z',
    },
  };
}

export function sampleComplaint(complaintNo: string, i = 0): Record<string, unknown> {
  const s = STORES[i % STORES.length];
  return {
    complaintNo,
    channel: ['HOTLINE_12315', 'PLATFORM', 'LETTER', 'VISIT'][i % 4],
    receivedAt: '2026-11-25T01:30:00.000Z',
    complainant: {
      name: '王小明',
      phone: '13812341234',
      address: '安徽省宣城市旌德县旌阳镇某小区3栋',
      idNumber: '11010519491231002X',
    },
    respondent: {
      name: s.operator,
      uscc: s.uscc,
      address: s.address,
      divisionCode: s.code,
      storeName: s.store,
      platform: s.platform,
      orderNo: `ORD${20261120000 + i}`,
    },
    goodsOrService: '实木餐桌一张',
    amountFen: 129900 + i,
    purchaseDate: '2026-11-01',
    requests: ['REFUND', 'COMPENSATION'],
    facts: '收到的商品与页面宣传材质不符，商家拒绝退款。',
    attachments: [
      {
        name: '订单截图.png',
        uri: `attachment://${complaintNo}/1`,
        digest: 'sha256:1b3d5f7a9c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c',
      },
    ],
  };
}

export function sampleComplaintResult(complaintNo: string): Record<string, unknown> {
  return {
    complaintNo,
    status: 'ACCEPTED',
    recoveredFen: 0,
    acceptBy: '2026-12-04',
    mediateBy: '2027-01-29',
    note: '已受理，进入调解程序。',
  };
}

/** 协查: ask the agency of the area a subject is in to verify facts (ASSISTANCE_REQUEST). */
export function sampleAssistanceRequest(
  requestNo: string,
  caseReference: string,
  requestedBy: string,
  i = 0,
): Record<string, unknown> {
  const s = STORES[i % STORES.length];
  return {
    requestNo,
    caseReference,
    subject: {
      name: s.operator,
      uscc: s.uscc,
      address: s.address,
      divisionCode: s.code,
      storeName: s.store,
      platform: s.platform,
    },
    questions: [
      { questionId: 'Q1', topic: 'REGISTRATION', text: '核实该经营者的登记状态及经营范围。' },
      { questionId: 'Q2', topic: 'PREMISES', text: '核实登记住所是否为实际经营场所。' },
    ],
    legalBasis: '市场监督管理行政处罚程序规定 第十六条',
    requestedBy,
    contact: '执法稽查科',
  };
}

/** The assisting agency's answer (ASSISTANCE_REPLY): all questions answered, with evidence digests. */
export function sampleAssistanceReply(requestNo: string): Record<string, unknown> {
  return {
    requestNo,
    outcome: 'COMPLETED',
    reason: null,
    newDueDate: null,
    findings: [
      { questionId: 'Q1', answer: '存续，经营范围含家具零售。', evidenceIds: ['E1'] },
      { questionId: 'Q2', answer: '登记住所即实际经营场所，现场有仓储。', evidenceIds: ['E2'] },
    ],
    evidence: [
      {
        evidenceId: 'E1',
        description: '登记信息查询截图',
        uri: null,
        digest: 'sha256:3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b',
        mediaType: 'image/png',
      },
      {
        evidenceId: 'E2',
        description: '现场检查笔录',
        uri: null,
        digest: 'sha256:8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4',
        mediaType: 'application/pdf',
      },
    ],
  };
}

/** A connectivity check (PING) as an operator's request writes it. */
export function samplePing(requestedBy = 'operator', at = new Date('2026-11-20T02:00:00Z')): Record<string, unknown> {
  return { requestedBy, sentAt: at.toISOString() };
}

/** An erasure notice (ERASURE_NOTICE): the complainant of a settled complaint, purpose fulfilled. */
export function sampleErasureNotice(
  caseNo: string,
  messageIds: string[],
  at = new Date('2026-11-20T02:00:00Z'),
): Record<string, unknown> {
  return {
    caseNo,
    caseKind: 'COMPLAINT',
    messageIds,
    fields: ['complainant'],
    reason: 'PURPOSE_FULFILLED',
    legalBasis: '《中华人民共和国个人信息保护法》第四十七条第一款第（一）项',
    requestedAt: at.toISOString(),
  };
}
