// Every string of the app comes from here. Dates and numbers go through Intl.
const catalogues = {
  en: {
    'app.name': 'Chorus',
    'day.today': 'Today', 'day.yesterday': 'Yesterday',
    'thread.loadingOlder': 'Loading earlier messages…', 'thread.beginning': 'This is the start of the conversation.',
    'failed.explain': 'Not delivered: {reason}', 'failed.retry': 'Retry', 'failed.template': 'Send a template instead',
    'status.unknown': 'Delivery unknown: Chorus stopped while sending it. Check with the customer before sending it again.',
    'thread.transfer': 'Transfer to', 'thread.nobody': 'Nobody', 'thread.labels': 'Labels', 'thread.status': 'Status',
    'status.open': 'Open', 'status.pending': 'Pending', 'status.snoozed': 'Snoozed', 'status.resolved': 'Resolved',
    'snooze.hour': 'Snooze 1 hour', 'snooze.tomorrow': 'Snooze until tomorrow 9:00', 'thread.snoozedUntil': 'Snoozed until {time}',
    'composer.attach': 'Attach a file', 'composer.dropHere': 'Drop a file to send it', 'composer.uploading': 'Sending {name}…',
    'composer.tooLarge': '{name} is {size} MB; at most {limit} MB can be sent for this kind of file.',
    'composer.emoji': 'Insert an emoji', 'composer.quickReplies': 'Quick replies', 'composer.noQuickReplies': 'No quick reply starts with “/{query}”.',
    'composer.mentions': 'Mention a teammate', 'composer.tooManyMentions': 'A note can mention at most 2 teammates.',
    'template.title': 'Send a template', 'template.pick': 'Template', 'template.param': 'Value for {{{n}}}', 'template.send': 'Send template',
    'template.none': 'No approved templates yet. An admin can sync them from Meta.', 'template.preview': 'Preview',
    'template.windowClosed': 'The 24 h window is closed: only an approved template can reach the customer now.', 'template.open': 'Template…',
    'search.title': 'Search', 'search.placeholder': 'Search messages and customers…', 'search.messages': 'Messages',
    'search.conversations': 'Conversations', 'search.none': 'Nothing found.', 'search.open': 'Search (Ctrl+K)', 'search.close': 'Close',
    'help.title': 'Keyboard shortcuts', 'help.open': 'Shortcuts (?)', 'help.j': 'Next conversation', 'help.k': 'Previous conversation',
    'help.enter': 'Open the highlighted conversation', 'help.r': 'Reply', 'help.n': 'Internal note', 'help.a': 'Assign to me',
    'help.e': 'Resolve', 'help.search': 'Search', 'help.help': 'This help', 'help.escape': 'Close a dialog', 'help.slash': 'Quick replies (in the composer)',
    'help.at': 'Mention a teammate (in a note)', 'help.send': 'Send (Shift+Enter: new line)',
    'notify.enable': 'Turn on notifications', 'notify.assigned': 'Assigned to you: {name}', 'notify.mention': '{name} mentioned you',
    'login.title': 'Sign in to Chorus',
    'login.email': 'Email',
    'login.password': 'Password',
    'login.code': 'Code from your authenticator app',
    'login.submit': 'Sign in',
    'login.failed': 'The email or password is not correct.',
    'login.locked': 'Too many attempts. Try again later.',
    'login.needCode': 'Enter the 6-digit code from your authenticator app.',
    'views.mine': 'Mine', 'views.unassigned': 'Unassigned', 'views.all': 'All', 'views.mentions': 'Mentions',
    'views.title': 'Views',
    'list.empty': 'Nothing here. New conversations appear as customers write.',
    'list.loading': 'Loading conversations…',
    'list.error': 'Could not load conversations.',
    'list.retry': 'Retry',
    'list.waiting': 'waiting {time}',
    'thread.none': 'Pick a conversation on the left.',
    'thread.windowOpen': '24 h window open until {time}',
    'thread.windowClosed': '24 h window closed: only templates can be sent',
    'thread.assignToMe': 'Assign to me',
    'thread.unassign': 'Unassign',
    'thread.resolve': 'Resolve',
    'thread.reopen': 'Reopen',
    'thread.assignedTo': 'Assigned to {name}',
    'thread.unassigned': 'Unassigned',
    'thread.viewing': 'Also here: {names}',
    'thread.typing': '{names} is typing…',
    'thread.changed': 'Someone else answered since you opened this conversation.',
    'thread.sendAnyway': 'Send anyway',
    'thread.note': 'Note',
    'composer.placeholder': 'Write a reply… (Enter sends, Shift+Enter new line)',
    'composer.notePlaceholder': 'Write an internal note… (@ to mention, at most 2)',
    'composer.send': 'Send',
    'composer.reply': 'Reply',
    'composer.noteTab': 'Internal note',
    'composer.failed': 'Not sent: {reason}',
    'status.failed': 'Failed',
    'customer.title': 'Customer',
    'customer.labels': 'Labels',
    'customer.spend': 'Spend this month',
    'customer.notes': 'Notes',
    'customer.history': 'Conversations',
    'banner.reconnecting': 'Reconnecting…',
    'nav.inbox': 'Inbox', 'nav.signOut': 'Sign out', 'nav.language': 'Language',
    'message.image': 'Photo', 'message.video': 'Video', 'message.audio': 'Voice message', 'message.document': 'Document',
    'message.sticker': 'Sticker', 'message.location': 'Location', 'message.contacts': 'Contact card',
    'message.reaction': 'Reacted {emoji}', 'message.unsupported': 'Message type not supported by WhatsApp',
    'message.deleted': 'This message was deleted', 'message.other': '{type} message',
    'a11y.newMessage': 'New message from {name}',
    'link.title': 'Link this browser', 'link.explain': 'On a device where you are signed in, open Devices and enter this code (or scan the QR code).',
    'link.back': 'Back to sign-in', 'link.qrAlt': 'QR code for linking this browser', 'link.codeLabel': 'Link code',
    'link.expiresIn': 'Valid for {seconds} s', 'link.expired': 'This code has expired. Go back and try again.', 'login.link': 'Link with a signed-in device instead',
    'devices.title': 'Your devices', 'devices.linkTitle': 'Link a new browser', 'devices.linkExplain': 'Enter the code the new browser shows.',
    'devices.codeLabel': 'Link code', 'devices.approve': 'Approve', 'devices.thisOne': 'this device', 'devices.outdated': 'outdated system',
    'devices.lastSeen': 'Last seen {time}', 'devices.signOut': 'Sign out', 'devices.signOutOthers': 'Sign out all other devices',
    'devices.signOutAll': 'Sign out everywhere', 'nav.devices': 'Devices', 'thread.back': 'Back',
    'stepUp.prompt': 'This needs your 6-digit step-up PIN (if you have none yet, the one you type now becomes it):',
    'nav.settings': 'Settings', 'settings.back': '← Back to the inbox', 'settings.members': 'Members', 'settings.advisories': 'Advisories',
    'settings.security': 'Security', 'settings.name': 'Name', 'settings.role': 'Role', 'settings.status': 'Status',
    'settings.invite': 'Invite', 'settings.inviteTitle': 'Invite a member', 'settings.invited': 'Invitation for {email} created. Send them this link:',
    'settings.importTitle': 'Add many at once', 'settings.importHelp': 'A CSV file with the columns name, email, role and template (optional). Every row is checked first; then all are invited or none.',
    'settings.importFile': 'CSV file', 'settings.importDone': '{count} invitations created.', 'settings.importRefused': 'Nothing was created: fix the rows marked below and try again.',
    'settings.row': 'Row', 'settings.outcome': 'Outcome', 'settings.outcome.invited': 'invited', 'settings.outcome.not_created': 'valid, not created',
    'settings.outcome.valid': 'valid', 'settings.active': 'active', 'settings.active2fa': 'active · two-step on', 'settings.inactive': 'deactivated',
    'settings.deactivate': 'Deactivate', 'settings.confirmDeactivate': 'Deactivate {name}? All their devices are signed out at once.',
    'settings.pending': '{count} invitation(s) waiting to be accepted.', 'settings.presets': 'Team presets', 'settings.apply': 'Apply', 'settings.applied': 'Applied',
    'settings.twoFactorPolicy': 'Two-step verification', 'settings.policy.optional': 'optional', 'settings.policy.admins': 'required for admins',
    'settings.policy.everyone': 'required for everyone', 'settings.save': 'Save', 'settings.saved': 'Saved.',
    'settings.stepUp': 'Confirm with your step-up PIN first.', 'settings.updated': 'Loaded {time}',
    'settings.field.deviceCap': 'Devices per member', 'settings.field.deviceIdleDays': 'Remove devices idle for (days)',
    'settings.field.memberLimit': 'Member limit', 'settings.field.loginMaxFailures': 'Failed sign-ins before lockout',
    'settings.field.loginLockoutMinutes': 'Lockout (minutes)', 'settings.field.linkCodeSeconds': 'Link code valid for (seconds)',
    'settings.field.pinRotationDays': 'Change the PIN every (days)', 'settings.field.timeZone': 'Time zone',
    'role.admin': 'Admin', 'role.supervisor': 'Supervisor', 'role.standard': 'Standard', 'role.restricted': 'Restricted',
  },
  'zh-CN': {
    'app.name': 'Chorus',
    'day.today': '今天', 'day.yesterday': '昨天',
    'thread.loadingOlder': '正在加载更早的消息…', 'thread.beginning': '这是对话的开始。',
    'failed.explain': '未送达：{reason}', 'failed.retry': '重试', 'failed.template': '改为发送模板',
    'status.unknown': '送达状态未知：发送时 Chorus 停止了运行。再次发送前请先与客户确认。',
    'thread.transfer': '转给', 'thread.nobody': '无人', 'thread.labels': '标签', 'thread.status': '状态',
    'status.open': '进行中', 'status.pending': '待处理', 'status.snoozed': '已暂停', 'status.resolved': '已解决',
    'snooze.hour': '暂停 1 小时', 'snooze.tomorrow': '暂停到明天 9:00', 'thread.snoozedUntil': '暂停至 {time}',
    'composer.attach': '添加文件', 'composer.dropHere': '拖放文件即可发送', 'composer.uploading': '正在发送 {name}…',
    'composer.tooLarge': '{name} 为 {size} MB；此类文件最多可发送 {limit} MB。',
    'composer.emoji': '插入表情', 'composer.quickReplies': '快捷回复', 'composer.noQuickReplies': '没有以“/{query}”开头的快捷回复。',
    'composer.mentions': '提及同事', 'composer.tooManyMentions': '一条备注最多提及 2 位同事。',
    'template.title': '发送模板', 'template.pick': '模板', 'template.param': '{{{n}}} 的值', 'template.send': '发送模板',
    'template.none': '还没有已批准的模板。管理员可以从 Meta 同步。', 'template.preview': '预览',
    'template.windowClosed': '24 小时窗口已关闭：现在只有已批准的模板能送达客户。', 'template.open': '模板…',
    'search.title': '搜索', 'search.placeholder': '搜索消息和客户…', 'search.messages': '消息',
    'search.conversations': '对话', 'search.none': '没有找到结果。', 'search.open': '搜索 (Ctrl+K)', 'search.close': '关闭',
    'help.title': '键盘快捷键', 'help.open': '快捷键 (?)', 'help.j': '下一个对话', 'help.k': '上一个对话',
    'help.enter': '打开选中的对话', 'help.r': '回复', 'help.n': '内部备注', 'help.a': '分配给我',
    'help.e': '解决', 'help.search': '搜索', 'help.help': '本帮助', 'help.escape': '关闭对话框', 'help.slash': '快捷回复（在输入框中）',
    'help.at': '提及同事（在备注中）', 'help.send': '发送（Shift+Enter 换行）',
    'notify.enable': '开启通知', 'notify.assigned': '分配给你：{name}', 'notify.mention': '{name} 提及了你',
    'login.title': '登录 Chorus',
    'login.email': '邮箱',
    'login.password': '密码',
    'login.code': '身份验证器中的验证码',
    'login.submit': '登录',
    'login.failed': '邮箱或密码不正确。',
    'login.locked': '尝试次数过多，请稍后再试。',
    'login.needCode': '请输入身份验证器中的 6 位验证码。',
    'views.mine': '我的', 'views.unassigned': '未分配', 'views.all': '全部', 'views.mentions': '提及我',
    'views.title': '视图',
    'list.empty': '这里还没有会话。客户发来消息后会出现在这里。',
    'list.loading': '正在加载会话…',
    'list.error': '无法加载会话。',
    'list.retry': '重试',
    'list.waiting': '已等待 {time}',
    'thread.none': '请在左侧选择一个会话。',
    'thread.windowOpen': '24 小时窗口开放至 {time}',
    'thread.windowClosed': '24 小时窗口已关闭：只能发送模板消息',
    'thread.assignToMe': '分配给我',
    'thread.unassign': '取消分配',
    'thread.resolve': '标记为已解决',
    'thread.reopen': '重新打开',
    'thread.assignedTo': '已分配给 {name}',
    'thread.unassigned': '未分配',
    'thread.viewing': '同时在看：{names}',
    'thread.typing': '{names} 正在输入…',
    'thread.changed': '你打开此会话后，已有其他人回复。',
    'thread.sendAnyway': '仍然发送',
    'thread.note': '备注',
    'composer.placeholder': '输入回复…（Enter 发送，Shift+Enter 换行）',
    'composer.notePlaceholder': '输入内部备注…（用 @ 提及，最多 2 人）',
    'composer.send': '发送',
    'composer.reply': '回复',
    'composer.noteTab': '内部备注',
    'composer.failed': '未发送：{reason}',
    'status.failed': '发送失败',
    'customer.title': '客户',
    'customer.labels': '标签',
    'customer.spend': '本月消费',
    'customer.notes': '备注',
    'customer.history': '会话记录',
    'banner.reconnecting': '正在重新连接…',
    'nav.inbox': '收件箱', 'nav.signOut': '退出登录', 'nav.language': '语言',
    'message.image': '图片', 'message.video': '视频', 'message.audio': '语音消息', 'message.document': '文件',
    'message.sticker': '贴纸', 'message.location': '位置', 'message.contacts': '联系人名片',
    'message.reaction': '回应了 {emoji}', 'message.unsupported': 'WhatsApp 不支持此消息类型',
    'message.deleted': '此消息已被删除', 'message.other': '{type} 消息',
    'a11y.newMessage': '来自 {name} 的新消息',
    'link.title': '关联此浏览器', 'link.explain': '在已登录的设备上打开“设备”，输入此代码（或扫描二维码）。',
    'link.back': '返回登录', 'link.qrAlt': '用于关联此浏览器的二维码', 'link.codeLabel': '关联代码',
    'link.expiresIn': '{seconds} 秒内有效', 'link.expired': '此代码已过期，请返回重试。', 'login.link': '改用已登录的设备关联',
    'devices.title': '我的设备', 'devices.linkTitle': '关联新的浏览器', 'devices.linkExplain': '输入新浏览器上显示的代码。',
    'devices.codeLabel': '关联代码', 'devices.approve': '批准', 'devices.thisOne': '当前设备', 'devices.outdated': '系统版本过旧',
    'devices.lastSeen': '最近使用 {time}', 'devices.signOut': '退出', 'devices.signOutOthers': '退出其他所有设备',
    'devices.signOutAll': '在所有设备上退出', 'nav.devices': '设备', 'thread.back': '返回',
    'stepUp.prompt': '此操作需要你的 6 位安全 PIN（如果还没有，现在输入的将成为你的 PIN）：',
    'nav.settings': '设置', 'settings.back': '← 返回收件箱', 'settings.members': '成员', 'settings.advisories': '建议',
    'settings.security': '安全', 'settings.name': '姓名', 'settings.role': '角色', 'settings.status': '状态',
    'settings.invite': '邀请', 'settings.inviteTitle': '邀请成员', 'settings.invited': '已为 {email} 创建邀请。请把此链接发给对方：',
    'settings.importTitle': '批量添加', 'settings.importHelp': 'CSV 文件，列为 name、email、role 和 template（可选）。先检查每一行，然后全部邀请或全部不邀请。',
    'settings.importFile': 'CSV 文件', 'settings.importDone': '已创建 {count} 个邀请。', 'settings.importRefused': '未创建任何内容：请修正下方标出的行后重试。',
    'settings.row': '行', 'settings.outcome': '结果', 'settings.outcome.invited': '已邀请', 'settings.outcome.not_created': '有效，未创建',
    'settings.outcome.valid': '有效', 'settings.active': '活跃', 'settings.active2fa': '活跃 · 已开启两步验证', 'settings.inactive': '已停用',
    'settings.deactivate': '停用', 'settings.confirmDeactivate': '停用 {name}？其所有设备将立即退出登录。',
    'settings.pending': '{count} 个邀请等待接受。', 'settings.presets': '团队预设', 'settings.apply': '应用', 'settings.applied': '已应用',
    'settings.twoFactorPolicy': '两步验证', 'settings.policy.optional': '可选', 'settings.policy.admins': '管理员必须开启',
    'settings.policy.everyone': '所有人必须开启', 'settings.save': '保存', 'settings.saved': '已保存。',
    'settings.stepUp': '请先用安全 PIN 确认。', 'settings.updated': '加载于 {time}',
    'settings.field.deviceCap': '每位成员的设备数', 'settings.field.deviceIdleDays': '闲置多少天后移除设备',
    'settings.field.memberLimit': '成员上限', 'settings.field.loginMaxFailures': '锁定前允许的登录失败次数',
    'settings.field.loginLockoutMinutes': '锁定时长（分钟）', 'settings.field.linkCodeSeconds': '关联代码有效期（秒）',
    'settings.field.pinRotationDays': 'PIN 更换周期（天）', 'settings.field.timeZone': '时区',
    'role.admin': '管理员', 'role.supervisor': '主管', 'role.standard': '标准', 'role.restricted': '受限',
  },
};

export const languages = [['en', 'English'], ['zh-CN', '简体中文']];
let current = localStorage.getItem('chorus.lang') || (navigator.language?.startsWith('zh') ? 'zh-CN' : 'en');

export function language() { return current; }

export function setLanguage(lang) {
  current = catalogues[lang] ? lang : 'en';
  localStorage.setItem('chorus.lang', current);
  document.documentElement.lang = current;
}

export function t(key, params = {}) {
  const text = catalogues[current][key] ?? catalogues.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

export function time(ms) {
  return new Intl.DateTimeFormat(current, { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

export function dateTime(ms) {
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}

export function money(amount, currency) {
  try { return new Intl.NumberFormat(current, { style: 'currency', currency }).format(amount); }
  catch { return `${amount} ${currency}`; }
}

// "Today", "Yesterday" or the date, for the separators between days in a thread.
export function day(ms) {
  const date = new Date(ms), today = new Date();
  const start = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((start(today) - start(date)) / 86_400_000);
  if (days === 0) return t('day.today');
  if (days === 1) return t('day.yesterday');
  return new Intl.DateTimeFormat(current, { weekday: 'long', day: 'numeric', month: 'long', year: days > 300 ? 'numeric' : undefined }).format(date);
}

export function duration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const unit = seconds < 60 ? ['second', seconds] : seconds < 3600 ? ['minute', Math.round(seconds / 60)]
    : seconds < 86400 ? ['hour', Math.round(seconds / 3600)] : ['day', Math.round(seconds / 86400)];
  return new Intl.NumberFormat(current, { style: 'unit', unit: unit[0], unitDisplay: 'narrow' }).format(unit[1]);
}

setLanguage(current);
