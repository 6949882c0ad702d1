/*
 * A request on the bhyve(8) control socket: the opcode says which member
 * of the union carries its data.
 */
struct ipc_message {
	enum ipc_opcode code;
	union {
		struct checkpoint_op op;
	} data;
};
