CREATE TABLE dataset_alias (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	name VARCHAR(3000) NOT NULL
);
CREATE TABLE sqlite_sequence(name,seq);
CREATE UNIQUE INDEX idx_name_unique ON dataset_alias (name);
CREATE TABLE dataset (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	uri VARCHAR(3000) NOT NULL, 
	extra JSON NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	updated_at TIMESTAMP NOT NULL, 
	is_orphaned BOOLEAN DEFAULT '0' NOT NULL
);
CREATE UNIQUE INDEX idx_uri_unique ON dataset (uri);
CREATE TABLE dataset_event (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	dataset_id INTEGER NOT NULL, 
	extra JSON NOT NULL, 
	source_task_id VARCHAR(250), 
	source_dag_id VARCHAR(250), 
	source_run_id VARCHAR(250), 
	source_map_index INTEGER DEFAULT -1, 
	timestamp TIMESTAMP NOT NULL
);
CREATE INDEX idx_dataset_id_timestamp ON dataset_event (dataset_id, timestamp);
CREATE TABLE log (
	id INTEGER NOT NULL, 
	dttm TIMESTAMP, 
	dag_id VARCHAR(250), 
	task_id VARCHAR(250), 
	map_index INTEGER, 
	event VARCHAR(60), 
	execution_date TIMESTAMP, 
	run_id VARCHAR(250), 
	owner VARCHAR(500), 
	owner_display_name VARCHAR(500), 
	extra TEXT, 
	try_number INTEGER, 
	CONSTRAINT log_pkey PRIMARY KEY (id)
);
CREATE INDEX idx_log_dttm ON log (dttm);
CREATE INDEX idx_log_dag ON log (dag_id);
CREATE INDEX idx_log_event ON log (event);
CREATE INDEX idx_log_task_instance ON log (dag_id, task_id, run_id, map_index, try_number);
CREATE TABLE dag_priority_parsing_request (
	id VARCHAR(32) NOT NULL, 
	fileloc VARCHAR(2000) NOT NULL, 
	CONSTRAINT dag_priority_parsing_request_pkey PRIMARY KEY (id)
);
CREATE TABLE job (
	id INTEGER NOT NULL, 
	dag_id VARCHAR(250), 
	state VARCHAR(20), 
	job_type VARCHAR(30), 
	start_date TIMESTAMP, 
	end_date TIMESTAMP, 
	latest_heartbeat TIMESTAMP, 
	executor_class VARCHAR(500), 
	hostname VARCHAR(500), 
	unixname VARCHAR(1000), 
	CONSTRAINT job_pkey PRIMARY KEY (id)
);
CREATE INDEX job_type_heart ON job (job_type, latest_heartbeat);
CREATE INDEX idx_job_state_heartbeat ON job (state, latest_heartbeat);
CREATE INDEX idx_job_dag_id ON job (dag_id);
CREATE TABLE slot_pool (
	id INTEGER NOT NULL, 
	pool VARCHAR(256), 
	slots INTEGER, 
	description TEXT, 
	include_deferred BOOLEAN NOT NULL, 
	CONSTRAINT slot_pool_pkey PRIMARY KEY (id), 
	CONSTRAINT slot_pool_pool_uq UNIQUE (pool)
);
CREATE TABLE callback_request (
	id INTEGER NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	priority_weight INTEGER NOT NULL, 
	callback_data JSON NOT NULL, 
	callback_type VARCHAR(20) NOT NULL, 
	processor_subdir VARCHAR(2000), 
	CONSTRAINT callback_request_pkey PRIMARY KEY (id)
);
CREATE TABLE log_template (
	id INTEGER NOT NULL, 
	filename TEXT NOT NULL, 
	elasticsearch_id TEXT NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	CONSTRAINT log_template_pkey PRIMARY KEY (id)
);
CREATE TABLE dag_code (
	fileloc_hash BIGINT NOT NULL, 
	fileloc VARCHAR(2000) NOT NULL, 
	last_updated TIMESTAMP NOT NULL, 
	source_code TEXT NOT NULL, 
	CONSTRAINT dag_code_pkey PRIMARY KEY (fileloc_hash)
);
CREATE TABLE dag_pickle (
	id INTEGER NOT NULL, 
	pickle BLOB, 
	created_dttm TIMESTAMP, 
	pickle_hash BIGINT, 
	CONSTRAINT dag_pickle_pkey PRIMARY KEY (id)
);
CREATE TABLE dag (
	dag_id VARCHAR(250) NOT NULL, 
	root_dag_id VARCHAR(250), 
	is_paused BOOLEAN, 
	is_subdag BOOLEAN, 
	is_active BOOLEAN, 
	last_parsed_time TIMESTAMP, 
	last_pickled TIMESTAMP, 
	last_expired TIMESTAMP, 
	scheduler_lock BOOLEAN, 
	pickle_id INTEGER, 
	fileloc VARCHAR(2000), 
	processor_subdir VARCHAR(2000), 
	owners VARCHAR(2000), 
	dag_display_name VARCHAR(2000), 
	description TEXT, 
	default_view VARCHAR(25), 
	schedule_interval TEXT, 
	timetable_description VARCHAR(1000), 
	dataset_expression JSON, 
	max_active_tasks INTEGER NOT NULL, 
	max_active_runs INTEGER, 
	max_consecutive_failed_dag_runs INTEGER NOT NULL, 
	has_task_concurrency_limits BOOLEAN NOT NULL, 
	has_import_errors BOOLEAN DEFAULT '0', 
	next_dagrun TIMESTAMP, 
	next_dagrun_data_interval_start TIMESTAMP, 
	next_dagrun_data_interval_end TIMESTAMP, 
	next_dagrun_create_after TIMESTAMP, 
	CONSTRAINT dag_pkey PRIMARY KEY (dag_id)
);
CREATE INDEX idx_root_dag_id ON dag (root_dag_id);
CREATE INDEX idx_next_dagrun_create_after ON dag (next_dagrun_create_after);
CREATE TABLE ab_permission (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	CONSTRAINT ab_permission_pkey PRIMARY KEY (id), 
	CONSTRAINT ab_permission_name_uq UNIQUE (name)
);
CREATE TABLE ab_view_menu (
	id INTEGER NOT NULL, 
	name VARCHAR(250) NOT NULL, 
	CONSTRAINT ab_view_menu_pkey PRIMARY KEY (id), 
	CONSTRAINT ab_view_menu_name_uq UNIQUE (name)
);
CREATE TABLE ab_role (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	CONSTRAINT ab_role_pkey PRIMARY KEY (id), 
	CONSTRAINT ab_role_name_uq UNIQUE (name)
);
CREATE TABLE ab_user (
	id INTEGER NOT NULL, 
	first_name VARCHAR(256) NOT NULL, 
	last_name VARCHAR(256) NOT NULL, 
	username VARCHAR(512) COLLATE "NOCASE" NOT NULL, 
	password VARCHAR(256), 
	active BOOLEAN, 
	email VARCHAR(512) NOT NULL, 
	last_login DATETIME, 
	login_count INTEGER, 
	fail_login_count INTEGER, 
	created_on DATETIME, 
	changed_on DATETIME, 
	created_by_fk INTEGER, 
	changed_by_fk INTEGER, 
	CONSTRAINT ab_user_pkey PRIMARY KEY (id), 
	CONSTRAINT ab_user_username_uq UNIQUE (username), 
	CONSTRAINT ab_user_email_uq UNIQUE (email), 
	CONSTRAINT ab_user_created_by_fk_fkey FOREIGN KEY(created_by_fk) REFERENCES ab_user (id), 
	CONSTRAINT ab_user_changed_by_fk_fkey FOREIGN KEY(changed_by_fk) REFERENCES ab_user (id)
);
CREATE TABLE ab_register_user (
	id INTEGER NOT NULL, 
	first_name VARCHAR(256) NOT NULL, 
	last_name VARCHAR(256) NOT NULL, 
	username VARCHAR(512) COLLATE "NOCASE" NOT NULL, 
	password VARCHAR(256), 
	email VARCHAR(512) NOT NULL, 
	registration_date DATETIME, 
	registration_hash VARCHAR(256), 
	CONSTRAINT ab_register_user_pkey PRIMARY KEY (id), 
	CONSTRAINT ab_register_user_username_uq UNIQUE (username)
);
CREATE TABLE connection (
	id INTEGER NOT NULL, 
	conn_id VARCHAR(250) NOT NULL, 
	conn_type VARCHAR(500) NOT NULL, 
	description VARCHAR(5000), 
	host VARCHAR(500), 
	schema VARCHAR(500), 
	login TEXT, 
	password TEXT, 
	port INTEGER, 
	is_encrypted BOOLEAN, 
	is_extra_encrypted BOOLEAN, 
	extra TEXT, 
	CONSTRAINT connection_pkey PRIMARY KEY (id), 
	CONSTRAINT connection_conn_id_uq UNIQUE (conn_id)
);
CREATE TABLE sla_miss (
	task_id VARCHAR(250) NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	execution_date TIMESTAMP NOT NULL, 
	email_sent BOOLEAN, 
	timestamp TIMESTAMP, 
	description TEXT, 
	notification_sent BOOLEAN, 
	CONSTRAINT sla_miss_pkey PRIMARY KEY (task_id, dag_id, execution_date)
);
CREATE INDEX sm_dag ON sla_miss (dag_id);
CREATE TABLE IF NOT EXISTS "trigger" (
	id INTEGER NOT NULL, 
	classpath VARCHAR(1000) NOT NULL, 
	kwargs TEXT NOT NULL, 
	created_date TIMESTAMP NOT NULL, 
	triggerer_id INTEGER, 
	CONSTRAINT trigger_pkey PRIMARY KEY (id)
);
CREATE TABLE variable (
	id INTEGER NOT NULL, 
	"key" VARCHAR(250), 
	val TEXT, 
	description TEXT, 
	is_encrypted BOOLEAN, 
	CONSTRAINT variable_pkey PRIMARY KEY (id), 
	CONSTRAINT variable_key_uq UNIQUE ("key")
);
CREATE TABLE import_error (
	id INTEGER NOT NULL, 
	timestamp TIMESTAMP, 
	filename VARCHAR(1024), 
	stacktrace TEXT, 
	processor_subdir VARCHAR(2000), 
	CONSTRAINT import_error_pkey PRIMARY KEY (id)
);
CREATE TABLE serialized_dag (
	dag_id VARCHAR(250) NOT NULL, 
	fileloc VARCHAR(2000) NOT NULL, 
	fileloc_hash BIGINT NOT NULL, 
	data JSON, 
	data_compressed BLOB, 
	last_updated TIMESTAMP NOT NULL, 
	dag_hash VARCHAR(32) NOT NULL, 
	processor_subdir VARCHAR(2000), 
	CONSTRAINT serialized_dag_pkey PRIMARY KEY (dag_id)
);
CREATE INDEX idx_fileloc_hash ON serialized_dag (fileloc_hash);
CREATE TABLE dataset_alias_dataset (
	alias_id INTEGER NOT NULL, 
	dataset_id INTEGER NOT NULL, 
	CONSTRAINT dataset_alias_dataset_pkey PRIMARY KEY (alias_id, dataset_id), 
	CONSTRAINT ds_dsa_alias_id FOREIGN KEY(alias_id) REFERENCES dataset_alias (id) ON DELETE CASCADE, 
	CONSTRAINT ds_dsa_dataset_id FOREIGN KEY(dataset_id) REFERENCES dataset (id) ON DELETE CASCADE, 
	CONSTRAINT dataset_alias_dataset_alias_id_fkey FOREIGN KEY(alias_id) REFERENCES dataset_alias (id) ON DELETE CASCADE, 
	CONSTRAINT dataset_alias_dataset_dataset_id_fkey FOREIGN KEY(dataset_id) REFERENCES dataset (id) ON DELETE CASCADE
);
CREATE INDEX idx_dataset_alias_dataset_alias_dataset_id ON dataset_alias_dataset (dataset_id);
CREATE INDEX idx_dataset_alias_dataset_alias_id ON dataset_alias_dataset (alias_id);
CREATE TABLE dataset_alias_dataset_event (
	alias_id INTEGER NOT NULL, 
	event_id INTEGER NOT NULL, 
	CONSTRAINT dataset_alias_dataset_event_pkey PRIMARY KEY (alias_id, event_id), 
	CONSTRAINT dss_de_alias_id FOREIGN KEY(alias_id) REFERENCES dataset_alias (id) ON DELETE CASCADE, 
	CONSTRAINT dss_de_event_id FOREIGN KEY(event_id) REFERENCES dataset_event (id) ON DELETE CASCADE, 
	CONSTRAINT dataset_alias_dataset_event_alias_id_fkey FOREIGN KEY(alias_id) REFERENCES dataset_alias (id) ON DELETE CASCADE, 
	CONSTRAINT dataset_alias_dataset_event_event_id_fkey FOREIGN KEY(event_id) REFERENCES dataset_event (id) ON DELETE CASCADE
);
CREATE INDEX idx_dataset_alias_dataset_event_alias_id ON dataset_alias_dataset_event (alias_id);
CREATE INDEX idx_dataset_alias_dataset_event_event_id ON dataset_alias_dataset_event (event_id);
CREATE TABLE dag_schedule_dataset_alias_reference (
	alias_id INTEGER NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	updated_at TIMESTAMP NOT NULL, 
	CONSTRAINT dsdar_pkey PRIMARY KEY (alias_id, dag_id), 
	CONSTRAINT dsdar_dataset_alias_fkey FOREIGN KEY(alias_id) REFERENCES dataset_alias (id) ON DELETE CASCADE, 
	CONSTRAINT dsdar_dag_id_fkey FOREIGN KEY(dag_id) REFERENCES dag (dag_id) ON DELETE CASCADE
);
CREATE INDEX idx_dag_schedule_dataset_alias_reference_dag_id ON dag_schedule_dataset_alias_reference (dag_id);
CREATE TABLE dag_schedule_dataset_reference (
	dataset_id INTEGER NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	updated_at TIMESTAMP NOT NULL, 
	CONSTRAINT dsdr_pkey PRIMARY KEY (dataset_id, dag_id), 
	CONSTRAINT dsdr_dataset_fkey FOREIGN KEY(dataset_id) REFERENCES dataset (id) ON DELETE CASCADE, 
	CONSTRAINT dsdr_dag_id_fkey FOREIGN KEY(dag_id) REFERENCES dag (dag_id) ON DELETE CASCADE
);
CREATE INDEX idx_dag_schedule_dataset_reference_dag_id ON dag_schedule_dataset_reference (dag_id);
CREATE TABLE task_outlet_dataset_reference (
	dataset_id INTEGER NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	task_id VARCHAR(250) NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	updated_at TIMESTAMP NOT NULL, 
	CONSTRAINT todr_pkey PRIMARY KEY (dataset_id, dag_id, task_id), 
	CONSTRAINT todr_dataset_fkey FOREIGN KEY(dataset_id) REFERENCES dataset (id) ON DELETE CASCADE, 
	CONSTRAINT todr_dag_id_fkey FOREIGN KEY(dag_id) REFERENCES dag (dag_id) ON DELETE CASCADE
);
CREATE INDEX idx_task_outlet_dataset_reference_dag_id ON task_outlet_dataset_reference (dag_id);
CREATE TABLE dataset_dag_run_queue (
	dataset_id INTEGER NOT NULL, 
	target_dag_id VARCHAR(250) NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	CONSTRAINT datasetdagrunqueue_pkey PRIMARY KEY (dataset_id, target_dag_id), 
	CONSTRAINT ddrq_dataset_fkey FOREIGN KEY(dataset_id) REFERENCES dataset (id) ON DELETE CASCADE, 
	CONSTRAINT ddrq_dag_fkey FOREIGN KEY(target_dag_id) REFERENCES dag (dag_id) ON DELETE CASCADE
);
CREATE INDEX idx_dataset_dag_run_queue_target_dag_id ON dataset_dag_run_queue (target_dag_id);
CREATE TABLE dag_run (
	id INTEGER NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	queued_at TIMESTAMP, 
	execution_date TIMESTAMP NOT NULL, 
	start_date TIMESTAMP, 
	end_date TIMESTAMP, 
	state VARCHAR(50), 
	run_id VARCHAR(250) NOT NULL, 
	creating_job_id INTEGER, 
	external_trigger BOOLEAN, 
	run_type VARCHAR(50) NOT NULL, 
	conf BLOB, 
	data_interval_start TIMESTAMP, 
	data_interval_end TIMESTAMP, 
	last_scheduling_decision TIMESTAMP, 
	dag_hash VARCHAR(32), 
	log_template_id INTEGER, 
	updated_at TIMESTAMP, 
	clear_number INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT dag_run_pkey PRIMARY KEY (id), 
	CONSTRAINT dag_run_dag_id_execution_date_key UNIQUE (dag_id, execution_date), 
	CONSTRAINT dag_run_dag_id_run_id_key UNIQUE (dag_id, run_id), 
	CONSTRAINT task_instance_log_template_id_fkey FOREIGN KEY(log_template_id) REFERENCES log_template (id) ON DELETE NO ACTION
);
CREATE INDEX idx_dag_run_dag_id ON dag_run (dag_id);
CREATE INDEX dag_id_state ON dag_run (dag_id, state);
CREATE INDEX idx_dag_run_queued_dags ON dag_run (state, dag_id) WHERE state='queued';
CREATE INDEX idx_dag_run_running_dags ON dag_run (state, dag_id) WHERE state='running';
CREATE TABLE dag_tag (
	name VARCHAR(100) NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	CONSTRAINT dag_tag_pkey PRIMARY KEY (name, dag_id), 
	CONSTRAINT dag_tag_dag_id_fkey FOREIGN KEY(dag_id) REFERENCES dag (dag_id) ON DELETE CASCADE
);
CREATE INDEX idx_dag_tag_dag_id ON dag_tag (dag_id);
CREATE TABLE dag_owner_attributes (
	dag_id VARCHAR(250) NOT NULL, 
	owner VARCHAR(500) NOT NULL, 
	link VARCHAR(500) NOT NULL, 
	CONSTRAINT dag_owner_attributes_pkey PRIMARY KEY (dag_id, owner), 
	CONSTRAINT "dag.dag_id" FOREIGN KEY(dag_id) REFERENCES dag (dag_id) ON DELETE CASCADE
);
CREATE TABLE ab_permission_view (
	id INTEGER NOT NULL, 
	permission_id INTEGER, 
	view_menu_id INTEGER, 
	CONSTRAINT ab_permission_view_pkey PRIMARY KEY (id), 
	CONSTRAINT ab_permission_view_permission_id_view_menu_id_uq UNIQUE (permission_id, view_menu_id), 
	CONSTRAINT ab_permission_view_permission_id_fkey FOREIGN KEY(permission_id) REFERENCES ab_permission (id), 
	CONSTRAINT ab_permission_view_view_menu_id_fkey FOREIGN KEY(view_menu_id) REFERENCES ab_view_menu (id)
);
CREATE TABLE ab_user_role (
	id INTEGER NOT NULL, 
	user_id INTEGER, 
	role_id INTEGER, 
	CONSTRAINT ab_user_role_pkey PRIMARY KEY (id), 
	CONSTRAINT ab_user_role_user_id_role_id_uq UNIQUE (user_id, role_id), 
	CONSTRAINT ab_user_role_user_id_fkey FOREIGN KEY(user_id) REFERENCES ab_user (id), 
	CONSTRAINT ab_user_role_role_id_fkey FOREIGN KEY(role_id) REFERENCES ab_role (id)
);
CREATE TABLE dag_warning (
	dag_id VARCHAR(250) NOT NULL, 
	warning_type VARCHAR(50) NOT NULL, 
	message TEXT NOT NULL, 
	timestamp TIMESTAMP NOT NULL, 
	CONSTRAINT dag_warning_pkey PRIMARY KEY (dag_id, warning_type), 
	CONSTRAINT dcw_dag_id_fkey FOREIGN KEY(dag_id) REFERENCES dag (dag_id) ON DELETE CASCADE
);
CREATE INDEX idx_dag_warning_dag_id ON dag_warning (dag_id);
CREATE TABLE dagrun_dataset_event (
	dag_run_id INTEGER NOT NULL, 
	event_id INTEGER NOT NULL, 
	CONSTRAINT dagrun_dataset_event_pkey PRIMARY KEY (dag_run_id, event_id), 
	CONSTRAINT dagrun_dataset_event_dag_run_id_fkey FOREIGN KEY(dag_run_id) REFERENCES dag_run (id) ON DELETE CASCADE, 
	CONSTRAINT dagrun_dataset_event_event_id_fkey FOREIGN KEY(event_id) REFERENCES dataset_event (id) ON DELETE CASCADE
);
CREATE INDEX idx_dagrun_dataset_events_dag_run_id ON dagrun_dataset_event (dag_run_id);
CREATE INDEX idx_dagrun_dataset_events_event_id ON dagrun_dataset_event (event_id);
CREATE TABLE task_instance (
	task_id VARCHAR(250) NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	map_index INTEGER DEFAULT -1 NOT NULL, 
	start_date TIMESTAMP, 
	end_date TIMESTAMP, 
	duration FLOAT, 
	state VARCHAR(20), 
	try_number INTEGER, 
	max_tries INTEGER DEFAULT -1, 
	hostname VARCHAR(1000), 
	unixname VARCHAR(1000), 
	job_id INTEGER, 
	pool VARCHAR(256) NOT NULL, 
	pool_slots INTEGER NOT NULL, 
	queue VARCHAR(256), 
	priority_weight INTEGER, 
	operator VARCHAR(1000), 
	custom_operator_name VARCHAR(1000), 
	queued_dttm TIMESTAMP, 
	queued_by_job_id INTEGER, 
	pid INTEGER, 
	executor VARCHAR(1000), 
	executor_config BLOB, 
	updated_at TIMESTAMP, 
	rendered_map_index VARCHAR(250), 
	external_executor_id VARCHAR(250), 
	trigger_id INTEGER, 
	trigger_timeout DATETIME, 
	next_method VARCHAR(1000), 
	next_kwargs JSON, 
	task_display_name VARCHAR(2000), 
	CONSTRAINT task_instance_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index), 
	CONSTRAINT task_instance_trigger_id_fkey FOREIGN KEY(trigger_id) REFERENCES "trigger" (id) ON DELETE CASCADE, 
	CONSTRAINT task_instance_dag_run_fkey FOREIGN KEY(dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE
);
CREATE INDEX ti_state_lkp ON task_instance (dag_id, task_id, run_id, state);
CREATE INDEX ti_dag_run ON task_instance (dag_id, run_id);
CREATE INDEX ti_pool ON task_instance (pool, state, priority_weight);
CREATE INDEX ti_dag_state ON task_instance (dag_id, state);
CREATE INDEX ti_job_id ON task_instance (job_id);
CREATE INDEX ti_trigger_id ON task_instance (trigger_id);
CREATE INDEX ti_state ON task_instance (state);
CREATE TABLE dag_run_note (
	user_id INTEGER, 
	dag_run_id INTEGER NOT NULL, 
	content VARCHAR(1000), 
	created_at TIMESTAMP NOT NULL, 
	updated_at TIMESTAMP NOT NULL, 
	CONSTRAINT dag_run_note_pkey PRIMARY KEY (dag_run_id), 
	CONSTRAINT dag_run_note_dr_fkey FOREIGN KEY(dag_run_id) REFERENCES dag_run (id) ON DELETE CASCADE, 
	CONSTRAINT dag_run_note_user_fkey FOREIGN KEY(user_id) REFERENCES ab_user (id)
);
CREATE TABLE ab_permission_view_role (
	id INTEGER NOT NULL, 
	permission_view_id INTEGER, 
	role_id INTEGER, 
	CONSTRAINT ab_permission_view_role_pkey PRIMARY KEY (id), 
	CONSTRAINT ab_permission_view_role_permission_view_id_role_id_uq UNIQUE (permission_view_id, role_id), 
	CONSTRAINT ab_permission_view_role_permission_view_id_fkey FOREIGN KEY(permission_view_id) REFERENCES ab_permission_view (id), 
	CONSTRAINT ab_permission_view_role_role_id_fkey FOREIGN KEY(role_id) REFERENCES ab_role (id)
);
CREATE TABLE rendered_task_instance_fields (
	dag_id VARCHAR(250) NOT NULL, 
	task_id VARCHAR(250) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	map_index INTEGER DEFAULT -1 NOT NULL, 
	rendered_fields JSON NOT NULL, 
	k8s_pod_yaml JSON, 
	CONSTRAINT rendered_task_instance_fields_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index), 
	CONSTRAINT rtif_ti_fkey FOREIGN KEY(dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE
);
CREATE TABLE task_fail (
	id INTEGER NOT NULL, 
	task_id VARCHAR(250) NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	map_index INTEGER DEFAULT -1 NOT NULL, 
	start_date TIMESTAMP, 
	end_date TIMESTAMP, 
	duration INTEGER, 
	CONSTRAINT task_fail_pkey PRIMARY KEY (id), 
	CONSTRAINT task_fail_ti_fkey FOREIGN KEY(dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE
);
CREATE INDEX idx_task_fail_task_instance ON task_fail (dag_id, task_id, run_id, map_index);
CREATE TABLE task_map (
	dag_id VARCHAR(250) NOT NULL, 
	task_id VARCHAR(250) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	map_index INTEGER NOT NULL, 
	length INTEGER NOT NULL, 
	keys JSON, 
	CONSTRAINT task_map_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index), 
	CONSTRAINT ck_task_map_task_map_length_not_negative CHECK (length >= 0), 
	CONSTRAINT task_map_task_instance_fkey FOREIGN KEY(dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE task_reschedule (
	id INTEGER NOT NULL, 
	task_id VARCHAR(250) NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	map_index INTEGER DEFAULT -1 NOT NULL, 
	try_number INTEGER NOT NULL, 
	start_date TIMESTAMP NOT NULL, 
	end_date TIMESTAMP NOT NULL, 
	duration INTEGER NOT NULL, 
	reschedule_date TIMESTAMP NOT NULL, 
	CONSTRAINT task_reschedule_pkey PRIMARY KEY (id), 
	CONSTRAINT task_reschedule_ti_fkey FOREIGN KEY(dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE, 
	CONSTRAINT task_reschedule_dr_fkey FOREIGN KEY(dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE
);
CREATE INDEX idx_task_reschedule_dag_task_run ON task_reschedule (dag_id, task_id, run_id, map_index);
CREATE INDEX idx_task_reschedule_dag_run ON task_reschedule (dag_id, run_id);
CREATE TABLE xcom (
	dag_run_id INTEGER NOT NULL, 
	task_id VARCHAR(250) NOT NULL, 
	map_index INTEGER DEFAULT -1 NOT NULL, 
	"key" VARCHAR(512) NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	value BLOB, 
	timestamp TIMESTAMP NOT NULL, 
	CONSTRAINT xcom_pkey PRIMARY KEY (dag_run_id, task_id, map_index, "key"), 
	CONSTRAINT xcom_task_instance_fkey FOREIGN KEY(dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE
);
CREATE INDEX idx_xcom_task_instance ON xcom (dag_id, task_id, run_id, map_index);
CREATE INDEX idx_xcom_key ON xcom ("key");
CREATE TABLE task_instance_note (
	user_id INTEGER, 
	task_id VARCHAR(250) NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	map_index INTEGER NOT NULL, 
	content VARCHAR(1000), 
	created_at TIMESTAMP NOT NULL, 
	updated_at TIMESTAMP NOT NULL, 
	CONSTRAINT task_instance_note_pkey PRIMARY KEY (task_id, dag_id, run_id, map_index), 
	CONSTRAINT task_instance_note_ti_fkey FOREIGN KEY(dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE, 
	CONSTRAINT task_instance_note_user_fkey FOREIGN KEY(user_id) REFERENCES ab_user (id)
);
CREATE TABLE task_instance_history (
	id INTEGER NOT NULL, 
	task_id VARCHAR(250) NOT NULL, 
	dag_id VARCHAR(250) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	map_index INTEGER DEFAULT -1 NOT NULL, 
	try_number INTEGER NOT NULL, 
	start_date TIMESTAMP, 
	end_date TIMESTAMP, 
	duration FLOAT, 
	state VARCHAR(20), 
	max_tries INTEGER DEFAULT -1, 
	hostname VARCHAR(1000), 
	unixname VARCHAR(1000), 
	job_id INTEGER, 
	pool VARCHAR(256) NOT NULL, 
	pool_slots INTEGER NOT NULL, 
	queue VARCHAR(256), 
	priority_weight INTEGER, 
	operator VARCHAR(1000), 
	custom_operator_name VARCHAR(1000), 
	queued_dttm TIMESTAMP, 
	queued_by_job_id INTEGER, 
	pid INTEGER, 
	executor VARCHAR(1000), 
	executor_config BLOB, 
	updated_at TIMESTAMP, 
	rendered_map_index VARCHAR(250), 
	external_executor_id VARCHAR(250), 
	trigger_id INTEGER, 
	trigger_timeout DATETIME, 
	next_method VARCHAR(1000), 
	next_kwargs JSON, 
	task_display_name VARCHAR(2000), 
	CONSTRAINT task_instance_history_pkey PRIMARY KEY (id), 
	CONSTRAINT task_instance_history_ti_fkey FOREIGN KEY(dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE ON UPDATE CASCADE, 
	CONSTRAINT task_instance_history_dtrt_uq UNIQUE (dag_id, task_id, run_id, map_index, try_number)
);
CREATE TABLE session (
	id INTEGER NOT NULL, 
	session_id VARCHAR(255), 
	data BLOB, 
	expiry DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (session_id)
);
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
