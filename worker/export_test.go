package worker

// The task IDs the Queue gives, for the tests that wait on a task.
var (
	LessonTaskID   = lessonTaskID
	NoticeTaskID   = noticeTaskID
	ReminderTaskID = reminderTaskID
	NoShowTaskID   = noShowTaskID
)
