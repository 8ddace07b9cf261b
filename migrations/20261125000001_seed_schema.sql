-- The nine tables of the seed database design (../shared/seed/trellin-database-design.md),
-- with every column, type, default, foreign key, cascade rule and index it gives.
-- Timestamps are `TIMESTAMP` as in the seed; Trellin always stores them in UTC.

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    email TEXT UNIQUE NOT NULL,
    company_name TEXT,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE employees (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT DEFAULT 'Customer Success Manager',
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    last_active TIMESTAMP,
    total_tasks INTEGER DEFAULT 0,
    completed_tasks INTEGER DEFAULT 0,
    pending_tasks INTEGER DEFAULT 0,
    overdue_tasks INTEGER DEFAULT 0,
    responsiveness_score REAL DEFAULT 0,
    avg_reply_time REAL DEFAULT 0,
    active BOOLEAN DEFAULT true,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE customers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    primary_domain TEXT,
    known_emails JSON,
    overall_sentiment TEXT DEFAULT 'neutral',
    flagged_issues BOOLEAN DEFAULT false,
    current_projects JSON,
    waiting_on JSON,
    last_email_date TIMESTAMP,
    notes TEXT,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE projects (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id UUID REFERENCES customers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    status TEXT DEFAULT 'active',
    start_date DATE,
    end_date DATE,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE tasks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id UUID REFERENCES customers(id) ON DELETE CASCADE,
    project_id UUID REFERENCES projects(id) ON DELETE SET NULL,
    assigned_to UUID REFERENCES employees(id) ON DELETE SET NULL,
    description TEXT NOT NULL,
    status TEXT DEFAULT 'open',
    due_date DATE,
    completed_at TIMESTAMP,
    is_late BOOLEAN DEFAULT false,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE email_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    employee_id UUID REFERENCES employees(id) ON DELETE SET NULL,
    customer_id UUID REFERENCES customers(id) ON DELETE SET NULL,
    from_email TEXT NOT NULL,
    to_email TEXT NOT NULL,
    subject TEXT,
    body TEXT,
    timestamp TIMESTAMP NOT NULL,
    sentiment TEXT,
    summary TEXT,
    action_needed BOOLEAN DEFAULT false,
    replied BOOLEAN DEFAULT false,
    reply_time_minutes INTEGER,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE email_insights (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email_id UUID REFERENCES email_logs(id) ON DELETE CASCADE,
    sentiment TEXT,
    summary TEXT,
    waiting_for TEXT,
    recommended_action TEXT,
    is_flagged BOOLEAN DEFAULT false,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE customer_updates (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id UUID REFERENCES customers(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    summary TEXT,
    date DATE NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE daily_summaries (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    date DATE NOT NULL,
    total_customers INTEGER DEFAULT 0,
    happy_customers INTEGER DEFAULT 0,
    unhappy_customers INTEGER DEFAULT 0,
    flagged_customers JSON,
    total_tasks INTEGER DEFAULT 0,
    open_tasks INTEGER DEFAULT 0,
    overdue_tasks INTEGER DEFAULT 0,
    top_issues JSON,
    created_at TIMESTAMP DEFAULT NOW()
);

-- Indexes for performance, as the seed lists them.
CREATE INDEX idx_email_logs_user_id ON email_logs(user_id);
CREATE INDEX idx_email_logs_customer_id ON email_logs(customer_id);
CREATE INDEX idx_email_logs_employee_id ON email_logs(employee_id);
CREATE INDEX idx_email_logs_timestamp ON email_logs(timestamp);

CREATE INDEX idx_customers_user_id ON customers(user_id);
CREATE INDEX idx_customers_sentiment ON customers(overall_sentiment);

CREATE INDEX idx_employees_user_id ON employees(user_id);
CREATE INDEX idx_employees_active ON employees(active);

CREATE INDEX idx_tasks_customer_id ON tasks(customer_id);
CREATE INDEX idx_tasks_assigned_to ON tasks(assigned_to);
CREATE INDEX idx_tasks_status ON tasks(status);
