// i18n.mjs — the interface strings in English and Traditional Chinese.
//
// The language is chosen from navigator.languages (any "zh" picks zh-TW)
// and can be switched with the language button; the choice is remembered
// (only the language, never a token) so it carries from page to page.
// Static markup is translated through attributes:
//   data-i18n="key"              textContent
//   data-i18n-aria-label="key"   aria-label
//   data-i18n-placeholder="key"  placeholder
//   data-i18n-title="key"        title
// Dynamic code calls t(key, params); "{name}" in a string is replaced by
// params.name. A string given as {one, other} is chosen by params.count.

const STRINGS = {
    en: {
        'app.tagline': 'Live and hybrid classes for agency training',
        'common.skip': 'Skip to main content',
        'common.lang_button': '中文',
        'common.lang_switch': '中文 – switch the page to Traditional Chinese',
        'common.loading': 'Loading…',
        'common.cancel': 'Cancel',
        'common.close': 'Close',
        'common.confirm': 'Confirm',
        'common.refresh': 'Refresh',
        'common.you': 'you',
        'common.yes': 'Yes',
        'common.no': 'No',
        'common.none': '—',
        'common.list_sep': ', ',
        'common.home': 'classrelay home',
        'common.try_now': 'Try now',
        'common.go': 'Continue',
        'common.dismiss': 'Dismiss',

        'role.instructor': 'Instructor',
        'role.trainee': 'Trainee',
        'role.coordinator': 'Coordinator',

        'state.scheduled': 'Scheduled',
        'state.live': 'Live',
        'state.ended': 'Ended',

        'status.connecting': 'Connecting…',
        'status.joined': 'Connected',
        'status.reconnecting': 'Reconnecting…',
        'status.reconnecting_in': 'Reconnecting in {seconds} s…',
        'status.waiting': 'Waiting for the class to open',
        'status.stopped': 'Disconnected',
        'status.offline_banner': 'The connection to the class was lost. Reconnecting…',
        'status.offline_banner_in': 'The connection to the class was lost. Reconnecting in {seconds} s…',

        'entry.title': 'Open your class',
        'entry.label': 'Your link or token',
        'entry.help': 'Paste the personal link you received (it starts with http) or just the token in it.',
        'entry.placeholder': 'https://…/join/12?token=…',
        'entry.submit': 'Open',
        'entry.checking': 'Checking your token…',
        'entry.empty': 'Paste a link or a token first.',
        'entry.bad_link': 'That link cannot be opened here. Paste the full link that starts with http:// or https://.',
        'entry.no_session': 'This token is not for a class session.',
        'entry.missing_token': 'This page needs your personal link. Paste it below to continue.',

        'index.lead': 'classrelay runs live and hybrid classes for agency training: an instructor teaches from a classroom, trainees join from a browser, and coordinators get a dependable attendance record — who was there, for how long, and whether they earned the learning credit.',
        'index.feature_instructor_title': 'Instructors',
        'index.feature_instructor': 'See who is present, take raised hands in order and give trainees the floor.',
        'index.feature_trainee_title': 'Trainees',
        'index.feature_trainee': 'Join from the link you were sent, raise your hand and chat with the class.',
        'index.feature_coordinator_title': 'Coordinators',
        'index.feature_coordinator': 'Schedule courses and sessions, and download attendance and credit reports.',
        'index.footer': 'Your link is personal: it identifies you and records your attendance. Do not share it.',

        'session.untitled': 'Class session',
        'session.when': '{start} – {end}',
        'session.waiting_instructor': 'Waiting for the instructor',
        'session.instructor_here': 'Instructor present',

        'stats.present': 'Trainees present',
        'stats.hands': 'Hands raised',
        'stats.floor': 'On the floor',

        'video.title': 'Video',
        'video.placeholder': 'Video arrives with the media relay',
        'video.placeholder_sub': 'Audio and video are not available yet. Everything else in the class works now.',

        'roster.title': 'Roster',
        'roster.empty': 'Nobody has joined yet.',
        'roster.devices': { one: '{count} device', other: '{count} devices' },
        'roster.badge_hand': 'Hand raised',
        'roster.badge_floor': 'Has the floor',
        'roster.kick': 'Remove',
        'roster.kick_label': 'Remove {name} from the class',

        'queue.title': 'Hand queue',
        'queue.empty': 'No hands raised.',
        'queue.grant': 'Grant floor',
        'queue.grant_label': 'Grant floor to {name}',
        'queue.lower': 'Lower',
        'queue.lower_label': 'Lower {name}’s hand',

        'floor.title': 'On the floor',
        'floor.empty': 'Nobody holds the floor.',
        'floor.revoke': 'Revoke',
        'floor.revoke_label': 'Revoke floor from {name}',

        'chat.title': 'Chat',
        'chat.empty': 'No messages yet. Messages sent before you joined are not shown.',
        'chat.label': 'Message',
        'chat.placeholder': 'Write a message…',
        'chat.send': 'Send',
        'chat.too_long': 'The message is too long (at most {max} characters).',
        'chat.offline': 'You can send messages again once reconnected.',

        'class.page_title': 'Instructor console — classrelay',
        'class.checkin': 'Check-in link',
        'class.end': 'End class',
        'class.end_confirm_title': 'End this class?',
        'class.end_confirm_text': 'Everyone is disconnected and attendance stops counting. A class that has ended cannot be reopened.',
        'class.kick_confirm_title': 'Remove {name}?',
        'class.kick_confirm_text': '{name} is disconnected and cannot rejoin this session.',
        'class.kick_reason': 'Reason (optional, shown to them)',
        'class.kicked_done': '{name} was removed from the class.',
        'class.ended_title': 'The class has ended',
        'class.ended_text': 'Attendance for this session is final. Coordinators can download the report.',
        'class.wrong_role': 'This link is not an instructor link.',

        'checkin.panel_title': 'In-room check-in',
        'checkin.panel_help': 'Show this link to trainees in the room. They open it on their phone and paste their personal link to record in-person attendance.',
        'checkin.link_label': 'Check-in link',
        'checkin.copy': 'Copy link',
        'checkin.copied': 'Link copied.',
        'checkin.copy_failed': 'Copying is not available here; select the link and copy it.',
        'checkin.new': 'New link',
        'checkin.valid_until': 'Valid until {time}',
        'checkin.expired': 'This link has expired. Make a new one.',
        'checkin.hide': 'Hide check-in link',

        'join.page_title': 'Class — classrelay',
        'join.raise': 'Raise hand',
        'join.lower': 'Lower hand',
        'join.hand_help_idle': 'Raise your hand to ask to speak. The instructor takes hands in order.',
        'join.hand_help_raised': 'Your hand is raised. You are number {n} in the queue.',
        'join.hand_help_floor': 'You have the floor now.',
        'join.floor_banner': 'You have the floor',
        'join.floor_banner_sub': 'The instructor has invited you to speak.',
        'join.hand_raised_toast': 'Your hand is raised.',
        'join.leave': 'Leave class',
        'join.leave_confirm_title': 'Leave the class?',
        'join.leave_confirm_text': 'Your attendance stops counting until you rejoin.',
        'join.rejoin': 'Rejoin the class',
        'join.wrong_role': 'This link is not a trainee link.',

        'end.ended_title': 'This class has ended',
        'end.ended_text': 'Thank you for attending. You can close this page.',
        'end.kicked_title': 'You were removed from this class',
        'end.kicked_text': 'The instructor removed you from this session. If you think this is a mistake, contact your coordinator.',
        'end.kicked_reason': 'Reason given: {reason}',
        'end.left_title': 'You left the class',
        'end.left_text': 'Your attendance stopped counting when you left. You can rejoin while the class is running.',
        'end.unauthorized_title': 'This link is invalid or has expired',
        'end.unauthorized_text': 'Ask your training coordinator for a new personal link.',
        'end.forbidden_title': 'You cannot join this class',
        'end.forbidden_text': 'You were removed from this class by the instructor.',
        'end.not_started_title': 'The class has not started yet',
        'end.not_started_text': 'You can join up to an hour before the start time. This page keeps trying and joins on its own when the class opens.',
        'end.class_over_title': 'The class has ended',
        'end.class_over_text': 'This session is over, so it can no longer be joined.',
        'end.not_found_title': 'This class was not found',
        'end.not_found_text': 'Check that you used the latest link you were sent.',
        'end.detail': 'Details: {message}',

        'checkin.page_title': 'Check in — classrelay',
        'checkin.title': 'Check in to your class',
        'checkin.intro': 'This records that you are in the room for this session.',
        'checkin.token_label': 'Your personal class link or token',
        'checkin.token_help': 'Paste the link you use to join this class online. It stays on this page only.',
        'checkin.submit': 'Check in',
        'checkin.working': 'Checking you in…',
        'checkin.success': 'Checked in at {time}',
        'checkin.success_sub': 'Welcome, {name}. Your in-person attendance is being recorded.',
        'checkin.already': 'You are already checked in',
        'checkin.already_sub': 'Your in-person attendance is already being recorded.',
        'checkin.no_code': 'This check-in link is incomplete. Open the link shown in the room again.',
        'checkin.failed': 'Check-in failed',
        'checkin.code_expired': 'The check-in code is invalid or has expired. Open the latest link shown in the room.',
        'checkin.other_session': 'Your personal link is for a different class session.',
        'checkin.not_trainee': 'Only trainee links can be used to check in.',

        'coord.page_title': 'Coordinator — classrelay',
        'coord.courses': 'Courses',
        'coord.sessions': 'Sessions',
        'coord.all_courses': 'All courses',
        'coord.no_courses': 'No courses yet.',
        'coord.no_sessions': 'No sessions yet.',
        'coord.new_course': 'New course',
        'coord.new_session': 'New session',
        'coord.code': 'Code',
        'coord.title': 'Title',
        'coord.category': 'Category',
        'coord.delivery': 'Delivery',
        'coord.credit_hours': 'Credit hours',
        'coord.course': 'Course',
        'coord.start': 'Start',
        'coord.end': 'End',
        'coord.create_course': 'Create course',
        'coord.create_session': 'Create session',
        'coord.course_created': 'Course {code} created.',
        'coord.session_created': 'Session “{title}” created.',
        'coord.end_before_start': 'The end must be after the start.',
        'coord.required': 'Fill in “{field}”.',
        'coord.need_course': 'Create a course first.',
        'coord.course_meta': '{category} · {delivery} · {hours} h',
        'coord.filter_label': 'Show sessions of {code}',
        'coord.select_session': 'Select a session to see its attendance.',
        'coord.attendance': 'Attendance',
        'coord.course_totals': 'Course totals',
        'coord.course_totals_for': 'Course totals — {code}',
        'coord.download_csv': 'Download CSV',
        'coord.downloading': 'Preparing the download…',
        'coord.rules': 'Completion needs {percent}% of the scheduled {minutes} min; gaps under {grace} min count as attended.',
        'coord.generated': 'Report generated {time}',
        'coord.no_attendance': 'Nobody has attended this session yet.',
        'coord.no_course_rows': 'No attendance recorded for this course yet.',
        'coord.col_name': 'Name',
        'coord.col_org': 'Organisation',
        'coord.col_role': 'Role',
        'coord.col_modes': 'Modes',
        'coord.col_first': 'First arrival',
        'coord.col_last': 'Last departure',
        'coord.col_minutes': 'Credited min',
        'coord.col_completed': 'Completed',
        'coord.col_late': 'Late min',
        'coord.col_intervals': 'Intervals',
        'coord.col_attended': 'Sessions attended',
        'coord.col_sessions_completed': 'Sessions completed',
        'coord.col_hours': 'Credited hours',
        'coord.col_earned': 'Credit hours earned',
        'coord.sessions_in_course': { one: '{count} session', other: '{count} sessions' },
        'coord.table_scroll': '{name} (scrolls sideways)',
        'coord.wrong_role': 'This link is not a coordinator link.',
        'coord.signed_in_as': 'Signed in as {name}',

        'category.general': 'General',
        'category.professional': 'Professional',
        'category.management': 'Management',
        'delivery.in-person': 'In person',
        'delivery.online': 'Online',
        'delivery.remote': 'Remote',
        'delivery.hybrid': 'Hybrid',
        'mode.remote': 'Remote',
        'mode.in-person': 'In person',

        'error.unauthorized': 'Your link is invalid or has expired.',
        'error.forbidden': 'You are not allowed to do that.',
        'error.not_found': 'Not found.',
        'error.conflict': 'That cannot be done right now.',
        'error.bad_request': 'The request was not accepted.',
        'error.too_large': 'That is too large.',
        'error.rate_limited': 'Too many requests; wait a moment and try again.',
        'error.internal': 'The server had a problem. Try again.',
        'error.network': 'The server cannot be reached. Check your connection and try again.',
        'error.offline': 'Not connected to the class right now.',
        'error.with_detail': '{summary} ({detail})',
    },
    'zh-TW': {
        'app.tagline': '機關訓練的即時與混成課程',
        'common.skip': '跳到主要內容',
        'common.lang_button': 'English',
        'common.lang_switch': 'English – 將頁面切換為英文',
        'common.loading': '載入中…',
        'common.cancel': '取消',
        'common.close': '關閉',
        'common.confirm': '確認',
        'common.refresh': '重新整理',
        'common.you': '你',
        'common.yes': '是',
        'common.no': '否',
        'common.none': '—',
        'common.list_sep': '、',
        'common.home': 'classrelay 首頁',
        'common.try_now': '立即重試',
        'common.go': '繼續',
        'common.dismiss': '關閉訊息',

        'role.instructor': '講師',
        'role.trainee': '學員',
        'role.coordinator': '訓練承辦人',

        'state.scheduled': '尚未開始',
        'state.live': '進行中',
        'state.ended': '已結束',

        'status.connecting': '連線中…',
        'status.joined': '已連線',
        'status.reconnecting': '重新連線中…',
        'status.reconnecting_in': '{seconds} 秒後重新連線…',
        'status.waiting': '等待課程開放',
        'status.stopped': '已中斷連線',
        'status.offline_banner': '與課程的連線中斷，正在重新連線…',
        'status.offline_banner_in': '與課程的連線中斷，{seconds} 秒後重新連線…',

        'entry.title': '進入你的課程',
        'entry.label': '你的連結或權杖',
        'entry.help': '貼上你收到的個人連結（以 http 開頭），或只貼上其中的權杖。',
        'entry.placeholder': 'https://…/join/12?token=…',
        'entry.submit': '開啟',
        'entry.checking': '正在確認權杖…',
        'entry.empty': '請先貼上連結或權杖。',
        'entry.bad_link': '無法在此開啟這個連結。請貼上以 http:// 或 https:// 開頭的完整連結。',
        'entry.no_session': '這個權杖不屬於任何課程場次。',
        'entry.missing_token': '此頁面需要你的個人連結。請在下方貼上以繼續。',

        'index.lead': 'classrelay 提供機關訓練的即時與混成課程：講師在教室授課，學員以瀏覽器加入，訓練承辦人則取得可靠的出席紀錄——誰在場、停留多久、是否取得學習時數。',
        'index.feature_instructor_title': '講師',
        'index.feature_instructor': '掌握出席名單，依序處理舉手，並讓學員發言。',
        'index.feature_trainee_title': '學員',
        'index.feature_trainee': '用收到的連結加入課程，舉手發問並在聊天室交流。',
        'index.feature_coordinator_title': '訓練承辦人',
        'index.feature_coordinator': '安排課程與場次，下載出席與學習時數報表。',
        'index.footer': '你的連結是個人專用的：它代表你的身分並記錄你的出席。請勿分享。',

        'session.untitled': '課程場次',
        'session.when': '{start} – {end}',
        'session.waiting_instructor': '等待講師進入',
        'session.instructor_here': '講師已在線上',

        'stats.present': '出席學員',
        'stats.hands': '舉手人數',
        'stats.floor': '發言中',

        'video.title': '視訊',
        'video.placeholder': '視訊將隨媒體轉送功能推出',
        'video.placeholder_sub': '目前尚無聲音與影像，課程的其他功能皆可使用。',

        'roster.title': '出席名單',
        'roster.empty': '尚無人加入。',
        'roster.devices': { other: '{count} 個裝置' },
        'roster.badge_hand': '已舉手',
        'roster.badge_floor': '發言中',
        'roster.kick': '移出',
        'roster.kick_label': '移出：{name}',

        'queue.title': '舉手順序',
        'queue.empty': '目前沒有人舉手。',
        'queue.grant': '給予發言',
        'queue.grant_label': '給予發言：{name}',
        'queue.lower': '放下',
        'queue.lower_label': '放下 {name} 的手',

        'floor.title': '發言中',
        'floor.empty': '目前沒有人發言。',
        'floor.revoke': '結束發言',
        'floor.revoke_label': '結束發言：{name}',

        'chat.title': '聊天室',
        'chat.empty': '尚無訊息。加入前的訊息不會顯示。',
        'chat.label': '訊息',
        'chat.placeholder': '輸入訊息…',
        'chat.send': '送出',
        'chat.too_long': '訊息太長（最多 {max} 個字）。',
        'chat.offline': '重新連線後即可再傳送訊息。',

        'class.page_title': '講師主控台 — classrelay',
        'class.checkin': '簽到連結',
        'class.end': '結束課程',
        'class.end_confirm_title': '要結束這堂課嗎？',
        'class.end_confirm_text': '所有人都會中斷連線，出席時間停止計算。課程結束後無法重新開啟。',
        'class.kick_confirm_title': '要將 {name} 移出嗎？',
        'class.kick_confirm_text': '{name} 會被中斷連線，且無法再加入這個場次。',
        'class.kick_reason': '原因（選填，會顯示給對方）',
        'class.kicked_done': '已將 {name} 移出課程。',
        'class.ended_title': '課程已結束',
        'class.ended_text': '此場次的出席紀錄已確定，訓練承辦人可下載報表。',
        'class.wrong_role': '這不是講師的連結。',

        'checkin.panel_title': '現場簽到',
        'checkin.panel_help': '向教室內的學員顯示此連結。學員以手機開啟並貼上個人連結，即可記錄實體出席。',
        'checkin.link_label': '簽到連結',
        'checkin.copy': '複製連結',
        'checkin.copied': '已複製連結。',
        'checkin.copy_failed': '此處無法自動複製，請選取連結後手動複製。',
        'checkin.new': '產生新連結',
        'checkin.valid_until': '有效至 {time}',
        'checkin.expired': '此連結已過期，請產生新連結。',
        'checkin.hide': '隱藏簽到連結',

        'join.page_title': '課程 — classrelay',
        'join.raise': '舉手',
        'join.lower': '放下手',
        'join.hand_help_idle': '想發言請舉手，講師會依序點名。',
        'join.hand_help_raised': '你已舉手，目前排在第 {n} 位。',
        'join.hand_help_floor': '現在輪到你發言。',
        'join.floor_banner': '輪到你發言',
        'join.floor_banner_sub': '講師已邀請你發言。',
        'join.hand_raised_toast': '你已舉手。',
        'join.leave': '離開課程',
        'join.leave_confirm_title': '要離開課程嗎？',
        'join.leave_confirm_text': '在你重新加入之前，出席時間不會計算。',
        'join.rejoin': '重新加入課程',
        'join.wrong_role': '這不是學員的連結。',

        'end.ended_title': '本堂課已結束',
        'end.ended_text': '感謝你的參與，可以關閉此頁面了。',
        'end.kicked_title': '你已被移出本堂課',
        'end.kicked_text': '講師已將你移出此場次。如果你認為有誤，請聯絡訓練承辦人。',
        'end.kicked_reason': '原因：{reason}',
        'end.left_title': '你已離開課程',
        'end.left_text': '離開後出席時間停止計算。課程進行中可以重新加入。',
        'end.unauthorized_title': '此連結無效或已過期',
        'end.unauthorized_text': '請向訓練承辦人索取新的個人連結。',
        'end.forbidden_title': '你無法加入本堂課',
        'end.forbidden_text': '你已被講師移出本堂課。',
        'end.not_started_title': '課程尚未開始',
        'end.not_started_text': '最早可在開始前一小時加入。此頁面會持續嘗試，課程開放時會自動加入。',
        'end.class_over_title': '課程已結束',
        'end.class_over_text': '這個場次已經結束，無法再加入。',
        'end.not_found_title': '找不到這堂課',
        'end.not_found_text': '請確認你使用的是最新收到的連結。',
        'end.detail': '詳細資訊：{message}',

        'checkin.page_title': '簽到 — classrelay',
        'checkin.title': '課程簽到',
        'checkin.intro': '簽到會記錄你本場次在教室現場出席。',
        'checkin.token_label': '你的個人課程連結或權杖',
        'checkin.token_help': '貼上你線上加入這堂課所用的連結。它只會留在此頁面中。',
        'checkin.submit': '簽到',
        'checkin.working': '簽到中…',
        'checkin.success': '已於 {time} 簽到',
        'checkin.success_sub': '{name}，歡迎！系統正在記錄你的現場出席。',
        'checkin.already': '你已經簽到過了',
        'checkin.already_sub': '系統已在記錄你的現場出席。',
        'checkin.no_code': '此簽到連結不完整，請重新開啟教室中顯示的連結。',
        'checkin.failed': '簽到失敗',
        'checkin.code_expired': '簽到碼無效或已過期，請開啟教室中顯示的最新連結。',
        'checkin.other_session': '你的個人連結屬於其他場次。',
        'checkin.not_trainee': '只有學員的連結可以簽到。',

        'coord.page_title': '訓練承辦人 — classrelay',
        'coord.courses': '課程',
        'coord.sessions': '場次',
        'coord.all_courses': '全部課程',
        'coord.no_courses': '尚無課程。',
        'coord.no_sessions': '尚無場次。',
        'coord.new_course': '新增課程',
        'coord.new_session': '新增場次',
        'coord.code': '代碼',
        'coord.title': '名稱',
        'coord.category': '類別',
        'coord.delivery': '授課方式',
        'coord.credit_hours': '學習時數',
        'coord.course': '課程',
        'coord.start': '開始',
        'coord.end': '結束',
        'coord.create_course': '建立課程',
        'coord.create_session': '建立場次',
        'coord.course_created': '已建立課程 {code}。',
        'coord.session_created': '已建立場次「{title}」。',
        'coord.end_before_start': '結束時間必須晚於開始時間。',
        'coord.required': '請填寫「{field}」。',
        'coord.need_course': '請先建立課程。',
        'coord.course_meta': '{category} · {delivery} · {hours} 小時',
        'coord.filter_label': '顯示 {code} 的場次',
        'coord.select_session': '選擇一個場次以查看出席紀錄。',
        'coord.attendance': '出席紀錄',
        'coord.course_totals': '課程總計',
        'coord.course_totals_for': '課程總計 — {code}',
        'coord.download_csv': '下載 CSV',
        'coord.downloading': '正在準備下載…',
        'coord.rules': '完成須出席排定 {minutes} 分鐘的 {percent}%；少於 {grace} 分鐘的中斷視為出席。',
        'coord.generated': '報表產生於 {time}',
        'coord.no_attendance': '此場次尚無出席紀錄。',
        'coord.no_course_rows': '此課程尚無出席紀錄。',
        'coord.col_name': '姓名',
        'coord.col_org': '機關',
        'coord.col_role': '身分',
        'coord.col_modes': '方式',
        'coord.col_first': '首次進入',
        'coord.col_last': '最後離開',
        'coord.col_minutes': '認列分鐘',
        'coord.col_completed': '完成',
        'coord.col_late': '遲到分鐘',
        'coord.col_intervals': '連線段數',
        'coord.col_attended': '出席場次',
        'coord.col_sessions_completed': '完成場次',
        'coord.col_hours': '認列時數',
        'coord.col_earned': '取得學習時數',
        'coord.sessions_in_course': { other: '{count} 個場次' },
        'coord.table_scroll': '{name}（可左右捲動）',
        'coord.wrong_role': '這不是訓練承辦人的連結。',
        'coord.signed_in_as': '登入身分：{name}',

        'category.general': '一般',
        'category.professional': '專業',
        'category.management': '管理',
        'delivery.in-person': '實體',
        'delivery.online': '線上',
        'delivery.remote': '遠距',
        'delivery.hybrid': '混成',
        'mode.remote': '遠距',
        'mode.in-person': '實體',

        'error.unauthorized': '你的連結無效或已過期。',
        'error.forbidden': '你沒有權限執行此操作。',
        'error.not_found': '找不到資料。',
        'error.conflict': '目前無法執行此操作。',
        'error.bad_request': '要求未被接受。',
        'error.too_large': '內容太大。',
        'error.rate_limited': '要求太頻繁，請稍候再試。',
        'error.internal': '伺服器發生問題，請再試一次。',
        'error.network': '無法連上伺服器，請檢查網路後再試。',
        'error.offline': '目前未連線到課程。',
        'error.with_detail': '{summary}（{detail}）',
    },
};

export const LANGUAGES = Object.keys(STRINGS);
const STORAGE_KEY = 'classrelay.lang';
const listeners = new Set();

function detect() {
    try {
        const saved = window.localStorage.getItem(STORAGE_KEY);
        if (saved && STRINGS[saved]) return saved;
    } catch {
        /* storage may be blocked; fall through */
    }
    const wanted = navigator.languages && navigator.languages.length
        ? navigator.languages
        : [navigator.language || 'en'];
    for (const tag of wanted) {
        const lower = String(tag).toLowerCase();
        if (lower.startsWith('zh')) return 'zh-TW';
        if (lower.startsWith('en')) return 'en';
    }
    return 'en';
}

let current = detect();

export function lang() {
    return current;
}

/* The locale for dates and numbers: the browser's own locale when it is in
 * the interface language (so en-GB keeps its day-month order), else the
 * interface language, so that a page switched to 中文 does not show
 * English month names. */
export function locale() {
    const browser = navigator.language || current;
    const base = (tag) => String(tag).toLowerCase().split('-')[0];
    return base(browser) === base(current) ? browser : current;
}

export function t(key, params = {}) {
    let text = STRINGS[current][key] ?? STRINGS.en[key];
    if (text === undefined) return key;
    if (typeof text === 'object') {
        const rule = new Intl.PluralRules(current).select(Number(params.count ?? 0));
        text = text[rule] ?? text.other;
    }
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
        Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
}

export function applyI18n(root = document) {
    document.documentElement.lang = current;
    for (const node of root.querySelectorAll('[data-i18n]'))
        node.textContent = t(node.dataset.i18n);
    for (const [attr, data] of [['aria-label', 'i18nAriaLabel'], ['placeholder', 'i18nPlaceholder'],
        ['title', 'i18nTitle']]) {
        const selector = `[data-i18n-${attr}]`;
        for (const node of root.querySelectorAll(selector))
            node.setAttribute(attr, t(node.dataset[data]));
    }
}

export function setLang(next) {
    if (!STRINGS[next] || next === current) return;
    current = next;
    try {
        window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
        /* not remembered: fine */
    }
    applyI18n();
    for (const fn of listeners) fn(current);
}

export function onLangChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
}

/* Wires a button that switches between the two languages. Its text names
 * the other language in that language; its accessible name starts with
 * that visible text (so voice control finds it) and explains it. */
export function mountLangToggle(button) {
    if (!button) return;
    const render = () => {
        button.textContent = t('common.lang_button');
        button.setAttribute('aria-label', t('common.lang_switch'));
    };
    button.addEventListener('click', () => setLang(current === 'en' ? 'zh-TW' : 'en'));
    onLangChange(render);
    render();
}
