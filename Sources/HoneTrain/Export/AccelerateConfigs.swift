import Foundation

/// The `accelerate` configs an export carries, in the YAML `accelerate config` writes: data
/// parallel on several GPUs, DeepSpeed ZeRO-2 and ZeRO-3, and FSDP, each for one machine with
/// 8 GPUs (the README says to change `num_processes`). Mixed precision follows the session's.
enum AccelerateConfigs {
    static func files(_ plan: ExportPlan) -> [(String, String)] {
        let precision = plan.settings.precision == .bf16 ? "bf16" : "no"
        let common = """
            compute_environment: LOCAL_MACHINE
            machine_rank: 0
            main_training_function: main
            mixed_precision: \(precision)
            num_machines: 1
            num_processes: 8
            rdzv_backend: static
            same_network: true
            use_cpu: false

            """
        let layer = decoderLayerClass(plan.model.architecture)
        return [
            ("accelerate/ddp.yaml", "# Data parallel on 8 GPUs of one machine.\ndistributed_type: MULTI_GPU\ndowncast_bf16: 'no'\ngpu_ids: all\n" + common),
            ("accelerate/zero2.yaml", """
                # DeepSpeed ZeRO-2: optimizer state and gradients sharded across 8 GPUs.
                distributed_type: DEEPSPEED
                deepspeed_config:
                  deepspeed_multinode_launcher: standard
                  gradient_accumulation_steps: \(plan.settings.accumulate)
                  offload_optimizer_device: none
                  offload_param_device: none
                  zero3_init_flag: false
                  zero_stage: 2
                downcast_bf16: 'no'

                """ + common),
            ("accelerate/zero3.yaml", """
                # DeepSpeed ZeRO-3: parameters too are sharded; the saved weights are gathered in 16 bits.
                distributed_type: DEEPSPEED
                deepspeed_config:
                  deepspeed_multinode_launcher: standard
                  gradient_accumulation_steps: \(plan.settings.accumulate)
                  offload_optimizer_device: none
                  offload_param_device: none
                  zero3_init_flag: true
                  zero3_save_16bit_model: true
                  zero_stage: 3
                downcast_bf16: 'no'

                """ + common),
            ("accelerate/fsdp.yaml", """
                # FSDP: full sharding across 8 GPUs, wrapping each \(layer).
                distributed_type: FSDP
                downcast_bf16: 'no'
                fsdp_config:
                  fsdp_activation_checkpointing: \(plan.settings.gradientCheckpointing)
                  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP
                  fsdp_cpu_ram_efficient_loading: true
                  fsdp_offload_params: false
                  fsdp_reshard_after_forward: true
                  fsdp_state_dict_type: SHARDED_STATE_DICT
                  fsdp_transformer_layer_cls_to_wrap: \(layer)
                  fsdp_version: 2

                """ + common),
        ]
    }

    /// The decoder block class transformers names for an architecture: `LlamaForCausalLM` →
    /// `LlamaDecoderLayer`; GPT-2's blocks are `GPT2Block`.
    static func decoderLayerClass(_ architecture: String) -> String {
        let family = architecture.replacingOccurrences(of: "ForCausalLM", with: "")
            .replacingOccurrences(of: "LMHeadModel", with: "")
        if family == "GPT2" { return "GPT2Block" }
        return family + "DecoderLayer"
    }
}
