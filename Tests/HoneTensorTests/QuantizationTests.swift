import Testing
@testable import HoneTensor

/// Quantise → dequantise errors of one matrix: the mean |error| and the largest |error| relative
/// to the absmax of the element's own block (NF4: 64 consecutive elements; GGUF: 32 along a row).
private struct RoundTripError: CustomStringConvertible {
    var meanAbs: Double
    var maxRelative: Double
    var description: String { "mean |err| \(meanAbs), max |err|/blockAbsmax \(maxRelative)" }

    init(_ original: [Float], _ restored: [Float], block: Int) {
        var total = 0.0, worst = 0.0
        for start in stride(from: 0, to: original.count, by: block) {
            let end = min(original.count, start + block)
            let absmax = original[start..<end].map { abs(Double($0)) }.max()!
            for i in start..<end {
                let e = abs(Double(original[i]) - Double(restored[i]))
                total += e
                if absmax > 0 { worst = max(worst, e / absmax) }
            }
        }
        meanAbs = total / Double(original.count)
        maxRelative = worst
    }
}

private func randomWeight(_ shape: [Int], std: Float, seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: std, using: &rng)
}

/// max|a − b| / max|b|.
private func normwiseError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    let scale = b.map { abs(Double($0)) }.max() ?? 0
    let diff = zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
    return scale == 0 ? diff : diff / scale
}

@Suite("Quantization: NF4 and GGUF blocks")
struct QuantizationTests {
    @Test("NF4 code values are bitsandbytes' 16 values exactly (ANCHORS §3.6)")
    func nf4Code() {
        let anchors: [Float] = [
            -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
            -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
            0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
            0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
        ]
        #expect(NF4.code.map(\.bitPattern) == anchors.map(\.bitPattern))
        #expect(NF4.blockSize == 64 && NF4.scaleBlockSize == 256)
    }

    @Test("the dynamic code has 256 ascending values from −0.99297 to 1, with 0")
    func dynamicCode() {
        let code = NF4.dynamicCode
        #expect(code.count == 256)
        #expect(zip(code, code.dropFirst()).allSatisfy { $0 < $1 })
        #expect(code.last == 1 && code.contains(0))
        // The largest negative: −(1 − 0.9/128), the mean of the last two of linspace(0.1, 1, 65).
        #expect(abs(code[0] + 0.99296875) < 1e-6)
        // The smallest positive: 1e-6 · 0.55.
        let smallest = code.first { $0 > 0 }!
        #expect(abs(smallest - 0.55e-6) < 1e-12)
    }

    @Test("NF4 round trip of N(0, 0.02) 4096×64 and N(0, 1) 288×768", arguments: [
        // (rows, cols, std, seed, mean |err| bound, max relative bound)
        // The widest gap of the code is −1…−0.696, so |err| ≤ 0.1519·absmax, plus the error of
        // the double-quantised absmax. Measured: 4096×64 N(0, 0.02): mean 0.0014574, max rel
        // 0.15695; 288×768 N(0, 1): mean 0.073113, max rel 0.15623.
        (4096, 64, Float(0.02), UInt64(1), 0.0015, 0.16),
        (288, 768, Float(1), UInt64(2), 0.075, 0.16),
    ])
    func nf4RoundTrip(rows: Int, cols: Int, std: Float, seed: UInt64, meanBound: Double, relativeBound: Double) throws {
        let w = randomWeight([rows, cols], std: std, seed: seed)
        let q = try QuantizedMatrix(quantizing: w, format: .nf4)
        let error = RoundTripError(w.scalars, q.dequantized().scalars, block: 64)
        print("NF4 \(rows)×\(cols) N(0, \(std)): \(error)")
        #expect(error.meanAbs < meanBound)
        #expect(error.maxRelative < relativeBound)
    }

    @Test("double-quantised block scales are within 0.71% of their 256-group's spread")
    func doubleQuantScales() throws {
        let w = randomWeight([4096, 64], std: 0.02, seed: 3)
        let q = try QuantizedMatrix(quantizing: w, format: .nf4)
        let x = w.scalars
        let exact = stride(from: 0, to: x.count, by: 64).map { s in x[s..<(s + 64)].map { abs($0) }.max()! }
        let restored = q.blockScales()
        let offset = q.nf4Scales!.offset
        #expect(abs(Double(offset) - exact.reduce(0.0) { $0 + Double($1) } / Double(exact.count)) < 1e-7)
        var worst = 0.0, worstRelative = 0.0
        for g in stride(from: 0, to: exact.count, by: 256) {
            let group = g..<min(exact.count, g + 256)
            let spread = group.map { abs(Double(exact[$0]) - Double(offset)) }.max()!
            for b in group {
                let e = abs(Double(restored[b]) - Double(exact[b]))
                worst = max(worst, e / spread)
                worstRelative = max(worstRelative, e / Double(exact[b]))
            }
        }
        print("NF4 double quantisation: max |err| / group spread \(worst), max |err| / absmax \(worstRelative)")
        // The dynamic code's widest gap is in its top decade, 0.9/64 wide: error ≤ half of it.
        // Measured: 0.0070292 of the spread, 0.0075685 of the absmax.
        #expect(worst <= 0.9 / 128 + 1e-6)
        #expect(worstRelative < 0.008)
    }

    @Test("Q8_0 and Q4_0 round trips of N(0, 0.02) 64×256")
    func ggmlRoundTrip() throws {
        let w = randomWeight([64, 256], std: 0.02, seed: 4)
        let q8 = try QuantizedMatrix(quantizing: w, format: .q8_0)
        let q4 = try QuantizedMatrix(quantizing: w, format: .q4_0)
        let e8 = RoundTripError(w.scalars, q8.dequantized().scalars, block: 32)
        let e4 = RoundTripError(w.scalars, q4.dequantized().scalars, block: 32)
        print("Q8_0 64×256 N(0, 0.02): \(e8)")
        print("Q4_0 64×256 N(0, 0.02): \(e4)")
        // Q8_0: half a step (absmax/254) plus the float16 rounding of d (≤ absmax/2048).
        // Q4_0: d = m/−8 maps the largest magnitude to −8, so a value of the other sign near the
        // absmax clamps at +7: a whole step, absmax/8, plus the float16 rounding.
        // Measured: Q8_0 mean 9.0102e-5, max rel 0.0042746; Q4_0 mean 0.0014316, max rel 0.12462.
        #expect(e8.maxRelative < 1.0 / 254 + 1.0 / 2048 + 1e-5)
        #expect(e4.maxRelative < 1.0 / 8 + 1.0 / 2048 + 1e-5)
        #expect(e8.meanAbs < 9.5e-5 && e4.meanAbs < 0.0015)
        #expect(e8.meanAbs < e4.meanAbs)
    }

    @Test("bytes per parameter: NF4 0.51589 (4.127 bits), Q8_0 34/32, Q4_0 18/32")
    func byteCounts() throws {
        let w = randomWeight([4096, 64], std: 0.02, seed: 5)
        let nf4 = try QuantizedMatrix(quantizing: w, format: .nf4)
        // 131072 packed bytes + 4096 scale codes + 16 group scales · 4 + the offset's 4.
        #expect(nf4.byteCount == 131_072 + 4_096 + 64 + 4)
        #expect(abs(Double(nf4.byteCount) / Double(w.count) - 0.51589) < 1e-5)
        #expect(abs(nf4.bitsPerParameter - (4 + 8.0 / 64 + 32.0 / (64 * 256) + 32.0 / Double(w.count))) < 1e-9)
        let q8 = try QuantizedMatrix(quantizing: w, format: .q8_0)
        let q4 = try QuantizedMatrix(quantizing: w, format: .q4_0)
        #expect(q8.byteCount * 32 == w.count * 34)
        #expect(q4.byteCount * 32 == w.count * 18)
        #expect(q8.blockBytes.count == q8.byteCount && q4.nf4Scales == nil)
    }

    @Test("rows that are not whole 32-element blocks cannot be Q8_0 or Q4_0; NF4 takes any shape")
    func shapes() throws {
        let w = randomWeight([3, 40], std: 1, seed: 6)
        for format in [QuantizationFormat.q8_0, .q4_0] {
            #expect(throws: QuantizationError.self) { try QuantizedMatrix(quantizing: w, format: format) }
        }
        #expect(throws: QuantizationError.self) { try QuantizedMatrix(quantizing: Tensor.zeros([64]), format: .nf4) }
        let bad = Tensor(shape: [1, 2], values: [1, .nan])
        #expect(throws: QuantizationError.self) { try QuantizedMatrix(quantizing: bad, format: .nf4) }
        #expect(QuantizationFormat(rawValue: "q4_0") == .q4_0 && QuantizationFormat.nf4.rawValue == "nf4")

        // 7×9 = 63 elements: one partial block, an odd element count, rows starting mid-byte.
        let odd = randomWeight([7, 9], std: 1, seed: 7)
        let q = try QuantizedMatrix(quantizing: odd, format: .nf4)
        #expect(q.shape == [7, 9] && q.blockBytes.count == 32 && q.nf4Scales!.codes.count == 1)
        let error = RoundTripError(odd.scalars, q.dequantized().scalars, block: 64)
        #expect(error.maxRelative < 0.16)
        let zeros = try QuantizedMatrix(quantizing: Tensor.zeros([2, 64]), format: .nf4)
        #expect(zeros.dequantized().scalars.allSatisfy { $0 == 0 })
    }

    @Test("dequantizeRows of any row range agrees with a naive decode", arguments: QuantizationFormat.allCases)
    func rowRanges(format: QuantizationFormat) throws {
        let cols = format == .nf4 ? 100 : 96
        let w = randomWeight([13, cols], std: 1, seed: 8)
        let q = try QuantizedMatrix(quantizing: w, format: format)
        // Naive decode straight from the stored bytes and block scales.
        let scales = q.blockScales()
        let naive: [Float] = (0..<w.count).map { i in
            switch format {
            case .nf4:
                let byte = q.blockBytes[i / 2]
                return NF4.code[Int(i % 2 == 0 ? byte >> 4 : byte & 15)] * scales[i / 64]
            case .q8_0:
                return scales[i / 32] * Float(Int8(bitPattern: q.blockBytes[34 * (i / 32) + 2 + i % 32]))
            case .q4_0:
                let j = i % 32, byte = q.blockBytes[18 * (i / 32) + 2 + j % 16]
                return scales[i / 32] * Float(Int(j < 16 ? byte & 15 : byte >> 4) - 8)
            }
        }
        #expect(q.dequantized().scalars == naive)
        for range in [0..<13, 1..<2, 3..<8, 12..<13] {
            var out = [Float](repeating: .nan, count: range.count * cols)
            out.withUnsafeMutableBufferPointer { q.dequantizeRows(range, into: $0.baseAddress!) }
            #expect(out == Array(naive[(range.lowerBound * cols)..<(range.upperBound * cols)]), "rows \(range)")
        }
    }

    @Test("x·Wᵀ on quantised W equals x·dequantized()ᵀ, forward and dX", arguments: [
        // (format, out, in, batch shape): several tiles with a remainder, and one row.
        (QuantizationFormat.nf4, 300, 70, [2, 5]),
        (.q8_0, 600, 2048, [3, 7]),
        (.q4_0, 1000, 96, [1]),
        (.nf4, 257, 4100, [65]),
    ])
    func quantizedMatMul(format: QuantizationFormat, out: Int, inFeatures: Int, batch: [Int]) throws {
        let q = try QuantizedMatrix(quantizing: randomWeight([out, inFeatures], std: 0.05, seed: 9), format: format)
        let w = q.dequantized()
        let x = randomWeight(batch + [inFeatures], std: 1, seed: 10)
        x.requiresGrad = true
        let y = x.matmul(quantizedTransposed: q)
        #expect(y.shape == batch + [out])
        // W is no tensor input of the op, so no gradient can reach it: the only input is x.
        #expect(y.node?.inputs.count == 1)
        let reference = GradMode.withoutGradients { x.matmul(w.transposed()) }
        let forwardError = normwiseError(y.scalars, reference.scalars)
        let g = randomWeight(batch + [out], std: 1, seed: 11)
        y.backward(gradient: g)
        let dx = try #require(x.grad)
        let dxError = normwiseError(dx.scalars, g.matmul(w).scalars)
        print("quantised matmul \(format.rawValue) [\(out), \(inFeatures)] batch \(batch): forward \(forwardError), dX \(dxError)")
        #expect(forwardError < 1e-5)
        #expect(dxError < 1e-5)
    }

    @Test("without gradients the product records nothing")
    func gradMode() throws {
        let q = try QuantizedMatrix(quantizing: randomWeight([8, 64], std: 1, seed: 12), format: .q4_0)
        let x = randomWeight([2, 64], std: 1, seed: 13)
        x.requiresGrad = true
        let y = GradMode.withoutGradients { x.matmul(quantizedTransposed: q) }
        #expect(!y.requiresGrad)
        #expect(x.matmul(quantizedTransposed: q).requiresGrad)
    }
}
