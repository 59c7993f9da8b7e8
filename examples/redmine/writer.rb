# Redmine's own models writing to its SQLite database, for mig's real-application runs.
# Run with Redmine's runner from its folder (Debian: /usr/share/redmine):
#   RAILS_ENV=production ruby bin/rails runner WRITER fill DB N
#   RAILS_ENV=production ruby bin/rails runner WRITER write CURRENT LOG STOP
# `fill` builds history (projects, users, members, issues, journals with details,
# time entries, watchers; updates and deletes). `write` is the service: one
# transaction per try (an issue, a journal on another issue, a time entry, a
# watcher; every 5th try an issue closed, every 7th a fill time entry deleted),
# each try logged; after a refused write it re-reads CURRENT (the database path
# to use) and reconnects if it changed. Debian's database.yml sets no timeout,
# so the sqlite3 gem has no busy handler: kept as is.
mode = ARGV.shift
ActionMailer::Base.perform_deliveries = false

def connect(path)
  ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: path)
  ActiveRecord::Base.connection.select_value("select 1")
end

def admin = User.where(admin: true).first

def setup_users(n)
  (1..n).map do |i|
    User.find_by(login: "dev#{i}") || User.create!(login: "dev#{i}", firstname: "Dev", lastname: "N#{i}",
      mail: "dev#{i}@example.org", password: "secret-pass-#{i}", status: User::STATUS_ACTIVE)
  end
end

def fill(path, n)
  connect(path)
  User.current = admin
  Setting.notified_events = []
  users = setup_users(12)
  role = Role.givable.first
  trackers = Tracker.all.to_a
  projects = (1..15).map do |i|
    Project.create!(name: "Project #{i}", identifier: "proj-#{i}", tracker_ids: trackers.map(&:id),
      enabled_module_names: %w[issue_tracking time_tracking wiki])
  end
  projects.each { |p| users.sample(6).each { |u| Member.create!(project: p, user: u, role_ids: [role.id]) } }
  prio = IssuePriority.all.to_a
  act = TimeEntryActivity.all.to_a
  statuses = IssueStatus.all.to_a
  n.times.each_slice(50) do |slice|
    ActiveRecord::Base.transaction do
      slice.each do |i|
        p = projects[i % projects.size]
        u = p.users.to_a.sample
        iss = Issue.create!(project: p, tracker: trackers.sample, subject: "fill issue #{i}", author: u,
          priority: prio.sample, description: "Steps #{i}\n" * 3, estimated_hours: (i % 9) + 0.5,
          start_date: Date.today - (i % 300), assigned_to: p.users.to_a.sample)
        2.times do |k|
          iss.reload
          iss.init_journal(p.users.to_a.sample, "comment #{k} on #{i}")
          iss.status = statuses.sample if k == 1
          iss.done_ratio = (i * 7 + k * 10) % 100
          iss.save!
        end
        TimeEntry.create!(project: p, issue: iss, user: u, author: u, hours: 1 + i % 5, spent_on: Date.today - (i % 60),
          activity: act.sample, comments: "work #{i}")
        Watcher.create!(watchable: iss, user: (p.users.to_a - [u]).sample) rescue nil
      end
    end
  end
  Issue.where("id % 11 = 0").limit(n / 20).each { |i| i.reload.destroy }
  TimeEntry.where("id % 13 = 0").update_all("hours = hours + 0.25")
  puts "issues #{Issue.count} journals #{Journal.count} details #{JournalDetail.count} time #{TimeEntry.count} watchers #{Watcher.count}"
end

def one_write(i, users, projects, prio, act, closed)
  ActiveRecord::Base.transaction do
    p = projects[i % projects.size]
    u = users[i % users.size]
    iss = Issue.create!(project: p, tracker: p.trackers.first, subject: "w-#{i}", author: u, priority: prio[i % prio.size])
    other = Issue.where(project_id: p.id).where.not(id: iss.id).order("random()").first
    if other
      other.init_journal(u, "w-#{i}")
      other.done_ratio = i % 100
      other.save!
    end
    TimeEntry.create!(project: p, issue: iss, user: u, author: u, hours: 0.5, spent_on: Date.today, activity: act[i % act.size], comments: "w-#{i}")
    Watcher.create!(watchable: iss, user: users[(i + 1) % users.size])
    if i % 5 == 0
      iss.reload.init_journal(u, "closing w-#{i}")
      iss.status = closed
      iss.save!
    end
    gone = nil
    if i % 7 == 0
      te = TimeEntry.where("comments LIKE 'work %'").order(:id).first
      gone = te&.id
      te&.destroy!
    end
    gone
  end
end

def write(current, log, stop)
  path = File.read(current).strip
  connect(path)
  users = User.where("login LIKE 'dev%'").to_a
  projects = Project.all.to_a
  prio = IssuePriority.all.to_a
  act = TimeEntryActivity.all.to_a
  closed = IssueStatus.where(is_closed: true).first
  File.open(log, "a") do |f|
    f.sync = true
    i = 0
    until File.exist?(stop)
      i += 1
      t0 = Process.clock_gettime(Process::CLOCK_REALTIME)
      begin
        gone = one_write(i, users, projects, prio, act, closed)
        f.puts "#{format('%.6f', t0)} #{i} ok #{path} gone=#{gone}"
      rescue => e
        f.puts "#{format('%.6f', t0)} #{i} err #{path} #{e.class}: #{e.message.lines.first&.strip}"
        now = File.read(current).strip
        if now != path
          path = now
          connect(path)
        end
      end
    end
  end
end

case mode
when "fill" then fill(ARGV[0], Integer(ARGV[1]))
when "write" then write(*ARGV)
else abort "usage: writer.rb fill DB N | write CURRENT LOG STOP"
end
