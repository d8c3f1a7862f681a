#!/usr/bin/env python3
"""make-tiny-embedder.py: write a TINY sentence-embedding model that transformers.js loads like
Xenova/all-MiniLM-L6-v2.

Usage:
    /usr/bin/python3 models/tools/make-tiny-embedder.py <outdir>

Needs numpy and onnx (Debian's python3-onnx is enough). Nothing is downloaded.

The layout is that of Xenova/all-MiniLM-L6-v2 (a sentence-transformers BERT exported with optimum):

    config.json                 model_type "bert", hidden_size 384
    tokenizer.json              a real HF tokenizers WordPiece tokenizer (BertNormalizer lowercase,
                                BertPreTokenizer, WordPiece with [UNK] and "##" continuations,
                                TemplateProcessing "[CLS] $A [SEP]", WordPiece decoder)
    tokenizer_config.json       BertTokenizer, do_lower_case, model_max_length 512
    special_tokens_map.json
    onnx/model.onnx             fp32 (transformers.js dtype "fp32")
    onnx/model_quantized.onnx   q8   (dtype "q8"; the embedding table stored as uint8 + DequantizeLinear)
    tiny_embedder_info.json     (not in real exports: what the model is, for tests)

Graph interface (names, ranks and dtypes of the real export):
    inputs:  input_ids int64 [batch_size, sequence_length],
             attention_mask int64 [batch_size, sequence_length],
             token_type_ids int64 [batch_size, sequence_length]
    output:  last_hidden_state float32 [batch_size, sequence_length, 384]

What it computes (fixed by construction, no training):
    last_hidden_state[b, t] = (E[input_ids[b, t]] + Z[token_type_ids[b, t]]) * attention_mask[b, t]
where E gives every vocabulary token a fixed pseudo-random unit vector (numpy seed SEED) and the
special tokens ([PAD] [UNK] [CLS] [SEP] [MASK]) zero vectors, and Z is an all-zero token-type table
(so that every input is used, as in the real graph). With the feature-extraction pipeline's
pooling 'mean' + normalize true, a text's vector is therefore its normalised bag of word pieces:
texts that share words are close, texts that share none are nearly orthogonal.

It understands NOTHING (no synonyms, no word order, no other language). It exists to test loading,
workers, indexing, storage and search plumbing. Real retrieval quality needs real weights
(e.g. Xenova/all-MiniLM-L6-v2).
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN = 384
SEED = 20
OPSET = 17
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # ids 0..4, as in bert-base-uncased's order of use
LETTERS = list("abcdefghijklmnopqrstuvwxyz")
DIGITS = list("0123456789")
PUNCTUATION = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["£", "€", "°", "–", "—", "‘", "’", "“", "”", "…"]

# Frequent English words, plus words that documents a voice assistant indexes tend to contain
# (orders, invoices, manuals, policies, calendars). Lowercase; duplicates are dropped.
WORDS = """
the of and to a in is it you that he was for on are with as i his they be at one have this from
or had by not word but what some we can out other were all there when up use your how said an
each she which do their time if will way about many then them write would like so these her long
make thing see him two has look more day could go come did number sound no most people my over
know water than call first who may down side been now find any new work part take get place made
live where after back little only round man year came show every good me give our under name very
through just form sentence great think say help low line differ turn cause much mean before move
right boy old too same tell does set three want air well also play small end put home read hand
port large spell add even land here must big high such follow act why ask men change went light
kind off need house picture try us again animal point mother world near build self earth father
head stand own page should country found answer school grow study still learn plant cover food
sun four between state keep eye never last let thought city tree cross farm hard start might story
saw far sea draw left late run while press close night real life few north open seem together
next white children begin got walk example ease paper group always music those both mark often
letter until mile river car feet care second book carry took science eat room friend began idea
fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl
usual young ready above ever red list though feel talk bird soon body dog family direct pose leave
song measure door product black short numeral class wind question happen complete ship area half
rock order fire south problem piece told knew pass since top whole king space heard best hour
better true during hundred five remember step early hold west ground interest reach fast verb sing
listen six table travel less morning ten simple several vowel toward war lay against pattern slow
center love person money serve appear road map rain rule govern pull cold notice voice unit power
town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest
correct able pound done beauty drive stood contain front teach week final gave green oh quick
develop ocean warm free minute strong special mind behind clear tail produce fact street inch
multiply nothing course stay wheel full force blue object decide surface deep moon island foot
system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran
check game shape equate hot miss brought heat snow tire bring yes distant fill east paint language
among grand ball yet wave drop heart am present heavy dance engine position arm wide sail material
size vary settle speak weight general ice matter circle pair include divide syllable felt perhaps
pick sudden count square reason length represent art subject region energy hunt probable bed
brother egg ride cell believe fraction forest sit race window store summer train sleep prove lone
leg exercise wall catch mount wish sky board joy winter sat written wild instrument kept glass
grass cow job edge sign visit past soft fun bright gas weather month million bear finish happy hope
flower clothe strange gone jump baby eight village meet root buy raise solve metal whether push
seven paragraph third shall held hair describe cook floor either result burn hill safe cat century
consider type law bit coast copy phrase silent tall sand soil roll temperature finger industry
value fight lie beat excite natural view sense ear else quite broke case middle kill son lake
moment scale loud spring observe child straight consonant nation dictionary milk speed method organ
pay age section dress cloud surprise quiet stone tiny climb cool design poor lot experiment bottom
key iron single stick flat twenty skin smile crease hole trade melody trip office receive row mouth
exact symbol die least trouble shout except wrote seed tone join suggest clean break lady yard
rise bad blow oil blood touch grew cent mix team wire cost lost brown wear garden equal sent choose
fell fit flow fair bank collect save control decimal gentle woman captain practice separate
difficult doctor please protect noon whose locate ring character insect caught period indicate
radio spoke atom human history effect electric expect crop modern element hit student corner party
supply bone rail imagine provide agree thus capital chair danger fruit rich thick soldier
process operate guess necessary sharp wing create neighbor wash bat rather crowd corn compare poem
string bell depend meat rub tube famous dollar stream fear sight thin triangle planet hurry chief
colony clock mine tie enter major fresh search send yellow gun allow print dead spot desert suit
current lift rose continue block chart hat sell success company subtract event particular deal
swim term opposite wife shoe shoulder spread arrange camp invent cotton born determine quart nine
truck noise level chance gather shop stretch throw shine property column molecule select wrong
gray repeat require broad prepare salt nose plural anger claim continent oxygen sugar death pretty
skill women season solution magnet silver thank branch match suffix especially fig afraid huge
sister steel discuss forward similar guide experience score apple bought led pitch coat mass card
band rope slip win dream evening condition feed tool total basic smell valley nor double seat
arrive master track parent shore division sheet substance favor connect post spend chord fat glad
original share station dad bread charge proper bar offer segment slave duck instant market degree
populate chick dear enemy reply drink occur support speech nature range steam motion path liquid
log meant quotient teeth shell neck
pizza pizzas pepperoni cheese tomato pasta salad burger sandwich coffee tea soup sauce menu
restaurant delivery deliver delivered pickup takeaway dinner lunch breakfast meal drink
order orders ordered ordering invoice invoices receipt refund refunds refunded return returns
returned warranty guarantee battery batteries charger charging cable manual manuals instructions
policy policies terms conditions privacy days day hours price prices pricing discount coupon
cheap expensive cost fee fees tax vat shipping address account accounts password passwords login
username email phone number support customer service help desk ticket issue problem error
meeting meetings calendar schedule appointment reminder agenda notes minutes
monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday weekend
january february march april may june july august september october november december
morning afternoon evening night week weeks month months year years hour minutes seconds
document documents file files folder pdf page pages chapter section report contract agreement
signature sign payment payments pay paid credit debit card bank transfer balance budget
salary employee manager team project deadline task tasks status update upgrade install device
devices laptop computer screen keyboard mouse printer camera headphones speaker microphone wifi
internet network router settings setup reset restart power button light model serial version
software app application download upload backup cloud storage memory disk data privacy security
secure safety lock key door car engine tire oil fuel insurance claim accident repair service
doctor hospital medicine health dentist pharmacy prescription allergy appointment
travel flight flights hotel booking booked reservation ticket tickets airport train bus taxi
passport visa luggage baggage seat gate departure arrival
weather rain sunny cloudy wind temperature forecast
hello hi thanks thank please sorry yes no okay ok
large small medium big little extra double single
lasts lasting
about above across actually add added adding additional address admin advice after again against
almost alone already although amount another anyone anything anyway anywhere apply approve
approved around article articles asked asking assistant attach attached attachment available
average away become becomes being below beside besides beyond billing bills bill booking brand
cancel cancelled cancellation cannot cart category cause changed changes charged chat cheaper
choice city client clients code comment comments compatible confirm confirmed confirmation
contact contacts contents costs could customer customers daily damage damaged date dates
deliveries department describe description detail details different directions discounts
dishes done due during easy edit editing eligible else emails enabled end ended ending entire
everyone everything exchange expired expiry explain express faq faster faulty feature features
feedback final fix fixed following free full fully further gift given goes going guest guide
half handling happened having hear heard hello helpful history holiday holidays hours however
identity important included includes including inside instead item items keep kitchen known
label later latest least less limit limited link local located location lost lower mail making
manage maximum member members membership message messages method methods minimum missing mobile
money monthly name names needed needs nearby normal nothing notification notifications number
numbers offer offers office online open opening options original others outside own package
packages packaging parcel part parts per personal phone photo photos pick plan plans plus point
points possible postcode preferences premium print printed private processing profile promotion
purchase purchased purchases quality quantity question questions quickly quote rate rates
reason reasons receive received recent recently regular replace replacement replaced request
requested requests required requirements returning review reviews room rooms safely sale sales
same saved saving second security seen select selected send sending sent separate share shipped
shipment shop shopping short shown signed simply since size sizes slice slices sold something
soon spare standard started starting stock store stores subscription subscriptions summary
support supported sure system table taken terms thanks thing things through tip tips topping
toppings total track tracking transaction transactions trial tried type types unable unit units
unless unpaid until usage used useful user users using usually valid value vegetarian vegan
via video wallet wanted warm website weekly welcome whatever within without worked working
works wrong yourself
english french german spanish italian
""".split()


def vocabulary():
    vocab = []
    seen = set()

    def add(tok):
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    for t in SPECIAL + LETTERS + DIGITS + PUNCTUATION:
        add(t)
    for t in LETTERS + DIGITS:
        add("##" + t)
    for w in WORDS:
        # BertPreTokenizer splits on punctuation, so only plain alphanumeric words can be whole tokens.
        if w.isalnum() and w.isascii():
            add(w.lower())
    return vocab


def tokenizer_json(vocab):
    ids = {t: i for i, t in enumerate(vocab)}
    added = [
        {"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
        for t in SPECIAL
    ]
    cls = {"SpecialToken": {"id": "[CLS]", "type_id": 0}}
    sep0 = {"SpecialToken": {"id": "[SEP]", "type_id": 0}}
    sep1 = {"SpecialToken": {"id": "[SEP]", "type_id": 1}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [cls, {"Sequence": {"id": "A", "type_id": 0}}, sep0],
            "pair": [cls, {"Sequence": {"id": "A", "type_id": 0}}, sep0, {"Sequence": {"id": "B", "type_id": 1}}, sep1],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [ids["[CLS]"]], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [ids["[SEP]"]], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": ids,
        },
    }


def embeddings(vocab):
    rng = np.random.default_rng(SEED)
    e = rng.standard_normal((len(vocab), HIDDEN)).astype(np.float32)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    for i, t in enumerate(vocab):
        if t in SPECIAL:
            e[i] = 0.0
    return e


def graph(emb, quantized):
    """last_hidden_state = (E[input_ids] + Z[token_type_ids]) * float(attention_mask)[..., None]"""
    inits = [
        numpy_helper.from_array(np.zeros((2, HIDDEN), dtype=np.float32), "embeddings.token_type_embeddings.weight"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis_last"),
    ]
    nodes = []
    if quantized:
        # Like onnxruntime's dynamic quantization of a Gather: uint8 table, gather, then dequantize.
        # Symmetric around zero point 128 so that the special tokens' zero vectors stay exactly zero.
        scale = float(np.abs(emb).max()) / 127.0
        q = np.clip(np.round(emb / scale) + 128, 0, 255).astype(np.uint8)
        inits += [
            numpy_helper.from_array(q, "embeddings.word_embeddings.weight_quantized"),
            numpy_helper.from_array(np.array(scale, dtype=np.float32), "embeddings.word_embeddings.weight_scale"),
            numpy_helper.from_array(np.array(128, dtype=np.uint8), "embeddings.word_embeddings.weight_zero_point"),
        ]
        nodes += [
            helper.make_node("Gather", ["embeddings.word_embeddings.weight_quantized", "input_ids"], ["word_q"], axis=0),
            helper.make_node(
                "DequantizeLinear",
                ["word_q", "embeddings.word_embeddings.weight_scale", "embeddings.word_embeddings.weight_zero_point"],
                ["word"],
            ),
        ]
    else:
        inits.append(numpy_helper.from_array(emb, "embeddings.word_embeddings.weight"))
        nodes.append(helper.make_node("Gather", ["embeddings.word_embeddings.weight", "input_ids"], ["word"], axis=0))
    nodes += [
        helper.make_node("Gather", ["embeddings.token_type_embeddings.weight", "token_type_ids"], ["token_type"], axis=0),
        helper.make_node("Add", ["word", "token_type"], ["summed"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis_last"], ["mask3"]),
        helper.make_node("Mul", ["summed", "mask3"], ["last_hidden_state"]),
    ]
    dims = ["batch_size", "sequence_length"]
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, dims),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, dims),
        helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, dims),
    ]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [HIDDEN])]
    g = helper.make_graph(nodes, "tiny_embedder", inputs, outputs, inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="parley-make-tiny-embedder")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main(out):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    vocab = vocabulary()
    emb = embeddings(vocab)
    onnx.save(graph(emb, quantized=False), os.path.join(out, "onnx", "model.onnx"))
    onnx.save(graph(emb, quantized=True), os.path.join(out, "onnx", "model_quantized.onnx"))
    config = {
        "_name_or_path": "parley-test/tiny-embedder",
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": HIDDEN,
        "num_hidden_layers": 0,
        "num_attention_heads": 12,
        "intermediate_size": 1536,
        "hidden_act": "gelu",
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
        "pad_token_id": 0,
        "vocab_size": len(vocab),
        "layer_norm_eps": 1e-12,
        "position_embedding_type": "absolute",
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab), f, ensure_ascii=False)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(
            {
                "tokenizer_class": "BertTokenizer",
                "do_lower_case": True,
                "do_basic_tokenize": True,
                "tokenize_chinese_chars": True,
                "strip_accents": None,
                "model_max_length": 512,
                "clean_up_tokenization_spaces": True,
                "unk_token": "[UNK]",
                "sep_token": "[SEP]",
                "pad_token": "[PAD]",
                "cls_token": "[CLS]",
                "mask_token": "[MASK]",
            },
            f,
            indent=2,
        )
    with open(os.path.join(out, "special_tokens_map.json"), "w") as f:
        json.dump({"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]"}, f, indent=2)
    with open(os.path.join(out, "tiny_embedder_info.json"), "w") as f:
        json.dump(
            {
                "about": "Tiny sentence-embedding test model written by models/tools/make-tiny-embedder.py, laid out like "
                "Xenova/all-MiniLM-L6-v2. Every vocabulary token is a fixed pseudo-random unit vector (special tokens zero), "
                "so with pooling 'mean' + normalize a text's embedding is its normalised bag of word pieces: texts sharing "
                "words are close. Not a real model: it proves the loading and indexing path, not retrieval quality.",
                "dims": HIDDEN,
                "vocab_size": len(vocab),
                "seed": SEED,
                "pipeline": {"task": "feature-extraction", "pooling": "mean", "normalize": True},
                "variants": {"fp32": "onnx/model.onnx", "q8": "onnx/model_quantized.onnx"},
            },
            f,
            indent=2,
        )
    sizes = ", ".join(
        f"{p} {os.path.getsize(os.path.join(out, p)) / 1e6:.2f} MB" for p in ("onnx/model.onnx", "onnx/model_quantized.onnx", "tokenizer.json")
    )
    print(f"tiny embedder written to {out} (vocabulary {len(vocab)}; {sizes})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
